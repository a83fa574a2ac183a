#!/usr/bin/python3
"""An independent WebRTC stack (aiortc, Debian python3-aiortc) as a BuzzStream SFU participant.

It joins a room through buzzd's WebSocket signaling (docs/protocol.md), publishes a synthetic
camera (a moving bar and a frame counter, VP8) and a 440 Hz tone (Opus) on a "pub" connection,
subscribes on a "sub" connection to every other publisher, and reports what it decodes as
JSON lines on stdout, one object per line:

  {"event": "joined", "id": "p…", "publishers": [...]}
  {"event": "published"}
  {"event": "subscribed", "publishers": ["p…", …]}
  {"event": "video", "from": "p…", "frames": N, "width": W, "height": H, "mean": M, "changed": F}
  {"event": "audio", "from": "p…", "frames": N, "rms": R, "loud": L}
  {"event": "error", "message": "…"}

"mean" is the mean luma (0..255) of the newest frame, "changed" the number of frames whose
pixels differed from the frame before; "rms" is the newest audio frame's level (0..1), "loud"
the number of frames above 0.01. It stops when stdin closes or after --seconds.

With --count K the process is K participants (named "N 1" .. "N K", each with its own
WebSocket and connections) and every line carries "name"; --publish-only leaves out the
subscribing connection (cheap publishers for a large room); --size WxH and --fps set the camera.

usage: aiortc_client.py --url ws://127.0.0.1:PORT/ws --room ID [--name N] [--seconds S]
                        [--count K] [--publish-only] [--size WxH] [--fps F]
"""

import argparse
import asyncio
import fractions
import json
import logging
import math
import os
import sys
import time

import aioice.ice
import av
import numpy
from aiortc import RTCPeerConnection, RTCSessionDescription, MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
import websockets

# The tests' servers listen on loopback only, and aioice leaves loopback out of its host
# candidates: offer exactly the loopback address (buzzd's candidate is on loopback too).
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

CAMERA = {"w": 320, "h": 180, "fps": 15}
AUDIO_RATE, AUDIO_SAMPLES = 48000, 960
REPORT_EVERY_S = 0.5


def say(obj, name=None):
    if name is not None:
        obj = {**obj, "name": name}
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class PacedTrack(MediaStreamTrack):
    """A synthetic source: frame n is due at start + n * period (real time)."""

    def __init__(self, period_s, clock_hz, ticks_per_frame):
        super().__init__()
        self.n = 0
        self.start = None
        self.period_s = period_s
        self.time_base = fractions.Fraction(1, clock_hz)
        self.ticks = ticks_per_frame

    def make(self, n):
        raise NotImplementedError

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        await asyncio.sleep(max(0.0, self.start + self.n * self.period_s - time.monotonic()))
        frame = self.make(self.n)
        frame.pts = self.n * self.ticks
        frame.time_base = self.time_base
        self.n += 1
        return frame


class BarCamera(PacedTrack):
    """A bright frame with a dark bar that moves one step per frame (so pixels change)."""

    kind = "video"

    def __init__(self):
        super().__init__(1 / CAMERA["fps"], 90000, 90000 // CAMERA["fps"])

    def make(self, n):
        w, h = CAMERA["w"], CAMERA["h"]
        img = numpy.full((h, w, 3), (40, 200, 120), numpy.uint8)
        x = (n * 8) % w
        img[:, x:x + max(4, w // 13)] = (20, 20, 20)
        return av.VideoFrame.from_ndarray(img, format="rgb24")


class ToneMicrophone(PacedTrack):
    """A 440 Hz sine at a quarter of full scale, 20 ms per frame."""

    kind = "audio"

    def __init__(self):
        super().__init__(AUDIO_SAMPLES / AUDIO_RATE, AUDIO_RATE, AUDIO_SAMPLES)

    def make(self, n):
        t = (numpy.arange(AUDIO_SAMPLES) + n * AUDIO_SAMPLES) / AUDIO_RATE
        pcm = (numpy.sin(2 * math.pi * 440 * t) * 8000).astype(numpy.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        return frame


async def consume_video(track, who, stats):
    prev = None
    s = stats.setdefault(("video", who), {"frames": 0, "changed": 0, "mean": 0.0, "w": 0, "h": 0})
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        y = frame.to_ndarray(format="gray")
        s["frames"] += 1
        s["w"], s["h"] = frame.width, frame.height
        s["mean"] = float(y.mean())
        if prev is not None and prev.shape == y.shape and numpy.abs(prev.astype(int) - y).mean() > 1.0:
            s["changed"] += 1
        prev = y


async def consume_audio(track, who, stats):
    s = stats.setdefault(("audio", who), {"frames": 0, "rms": 0.0, "loud": 0})
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        pcm = frame.to_ndarray().astype(numpy.float64) / 32768.0
        s["frames"] += 1
        s["rms"] = float(numpy.sqrt(numpy.mean(pcm * pcm))) if pcm.size else 0.0
        if s["rms"] > 0.01:
            s["loud"] += 1


async def report(stats, name):
    while True:
        await asyncio.sleep(REPORT_EVERY_S)
        for (kind, who), s in list(stats.items()):
            if kind == "video":
                say({"event": "video", "from": who, "frames": s["frames"], "width": s["w"],
                     "height": s["h"], "mean": round(s["mean"], 1), "changed": s["changed"]}, name)
            else:
                say({"event": "audio", "from": who, "frames": s["frames"], "rms": round(s["rms"], 4),
                     "loud": s["loud"]}, name)


class Client:
    def __init__(self, ws, self_id, name):
        self.name = name
        self.ws = ws
        self.self_id = self_id
        self.answers = {}
        self.sub = None
        self.subscribed = set()
        self.mid_owner = {}
        self.stats = {}
        self.tasks = []

    async def send(self, msg):
        await self.ws.send(json.dumps(msg))

    async def negotiate(self, pc, name, extra=None):
        await pc.setLocalDescription(await pc.createOffer())
        fut = asyncio.get_running_loop().create_future()
        self.answers[name] = fut
        await self.send({"type": "sfu-offer", "pc": name, "sdp": pc.localDescription.sdp, **(extra or {})})
        sdp = await asyncio.wait_for(fut, 10)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def publish(self):
        pc = RTCPeerConnection()
        pc.addTransceiver(ToneMicrophone(), direction="sendonly")
        pc.addTransceiver(BarCamera(), direction="sendonly")
        await self.negotiate(pc, "pub")
        self.pub = pc
        say({"event": "published"}, self.name)

    async def subscribe(self, publishers):
        """One sub offer for the publishers not yet subscribed (aiortc: one renegotiation each)."""
        fresh = [p for p in publishers if p["id"] != self.self_id and p["id"] not in self.subscribed]
        if not fresh:
            return
        if self.sub is None:
            self.sub = RTCPeerConnection()

            @self.sub.on("track")
            def on_track(track):
                tx = next((t for t in self.sub.getTransceivers() if t.receiver.track is track), None)
                who = self.mid_owner.get(tx.mid if tx else None, "?")
                run = consume_video if track.kind == "video" else consume_audio
                self.tasks.append(asyncio.ensure_future(run(track, who, self.stats)))

        before = len(self.sub.getTransceivers())
        for p in fresh:
            self.sub.addTransceiver("audio", direction="recvonly")
            self.sub.addTransceiver("video", direction="recvonly")
        await self.sub.setLocalDescription(await self.sub.createOffer())
        txs = self.sub.getTransceivers()
        for i, p in enumerate(fresh):
            for tx in txs[before + 2 * i: before + 2 * i + 2]:
                self.mid_owner[tx.mid] = p["id"]
        self.subscribed.update(p["id"] for p in fresh)
        mids = {mid: who for mid, who in self.mid_owner.items()}
        fut = asyncio.get_running_loop().create_future()
        self.answers["sub"] = fut
        await self.send({"type": "sfu-offer", "pc": "sub", "sdp": self.sub.localDescription.sdp, "mids": mids})
        sdp = await asyncio.wait_for(fut, 10)
        await self.sub.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        say({"event": "subscribed", "publishers": sorted(self.subscribed)}, self.name)


async def participant(args, name, tag):
    """One participant until stdin closes, --seconds pass, or the connection ends."""
    async with websockets.connect(args.url, max_size=1 << 16) as ws:
        await ws.send(json.dumps({"type": "join", "id": 1, "room": args.room, "name": name}))
        joined = None
        while joined is None:
            m = json.loads(await ws.recv())
            if m.get("type") == "error":
                say({"event": "error", "message": f"{m.get('code')}: {m.get('message')}"}, tag)
                return 1
            if m.get("type") == "joined":
                joined = m
        if joined.get("media") != "sfu":
            say({"event": "error", "message": f"joined.media is {joined.get('media')!r}, not 'sfu'"}, tag)
            return 1
        client = Client(ws, joined["self"]["id"], tag)
        say({"event": "joined", "id": client.self_id, "publishers": joined.get("publishers", [])}, tag)
        pending = asyncio.Queue()
        pending.put_nowait(joined.get("publishers", []))

        async def read():
            async for raw in ws:
                m = json.loads(raw)
                if m.get("type") == "sfu-answer" and m.get("pc") in client.answers:
                    fut = client.answers.pop(m["pc"])
                    if not fut.done():
                        fut.set_result(m["sdp"])
                elif m.get("type") == "sfu-publishers":
                    pending.put_nowait(m.get("publishers", []))
                elif m.get("type") == "error":
                    say({"event": "error", "message": f"{m.get('code')}: {m.get('message')}"}, tag)

        async def subscriber():
            while True:
                publishers = await pending.get()
                if not args.publish_only:
                    await client.subscribe(publishers)

        async def keepalive():  # buzzd closes a socket idle for its timeout
            while True:
                await asyncio.sleep(10)
                await client.send({"type": "ping"})

        reader = asyncio.ensure_future(read())
        await client.publish()
        workers = [asyncio.ensure_future(subscriber()), asyncio.ensure_future(report(client.stats, tag)),
                   asyncio.ensure_future(keepalive())]
        done, _ = await asyncio.wait([args.stop, reader, *workers], return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t is not args.stop and t.exception():
                say({"event": "error", "message": repr(t.exception())}, tag)
        for t in [reader, *workers, *client.tasks]:
            t.cancel()
        await client.pub.close()
        if client.sub:
            await client.sub.close()
    return 0


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--room", required=True)
    ap.add_argument("--name", default="aiortc")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--publish-only", action="store_true")
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--fps", type=int, default=15)
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    if not (16 <= w <= 1920 and 16 <= h <= 1080 and w % 2 == 0 and h % 2 == 0 and 1 <= args.fps <= 30
            and 1 <= args.count <= 50):
        ap.error("--size WxH: even, 16x16..1920x1080; --fps 1..30; --count 1..50")
    CAMERA.update(w=w, h=h, fps=args.fps)
    if os.environ.get("AIORTC_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    async def stdin_closed():
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)

    # One stop for every participant: stdin closed or time up.
    args.stop = asyncio.ensure_future(asyncio.wait(
        [asyncio.ensure_future(asyncio.sleep(args.seconds)), asyncio.ensure_future(stdin_closed())],
        return_when=asyncio.FIRST_COMPLETED))
    if args.count == 1:
        return await participant(args, args.name, None)
    names = [f"{args.name} {i + 1}" for i in range(args.count)]
    codes = await asyncio.gather(*(participant(args, n, n) for n in names), return_exceptions=True)
    for n, c in zip(names, codes):
        if isinstance(c, BaseException):
            say({"event": "error", "message": repr(c)}, n)
    return 0 if all(c == 0 for c in codes) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
