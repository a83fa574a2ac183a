# The SFU benchmark, buzzd against Janus VideoRoom (issue 8): bench/sfu/, a C load generator
# that replays one VP8 clip (encoded once, here, by ffmpeg with libvpx) through real ICE +
# DTLS-SRTP sessions, reusing server/rtc's STUN, demux, DTLS, SRTP (EVP) and RTP code.
#
#   make bench-sfu     1 -> M fan-out through buzzd (one media worker), then through Janus
#                      (Debian `janus`), each pinned to core 1 in turn, M stepped up until
#                      quality breaks; one line per step and server, then the buzzd/janus
#                      ratios (see bench/sfu/sfu_bench.c)
#   make bench-sfu SFU_SHAPE=mesh
#                      the N×N meeting instead: N participants, each publishing the clip and
#                      receiving the other N − 1 on one multistream connection, N stepped up
#                      until quality breaks, through both servers; the same lines, with
#                      N × (N − 1) forwarded streams
#
# SFU_SHAPE (fanout, the default, or mesh) picks the shape; SFU_STEPS, SFU_SECONDS override
# the steps (subscribers, or participants for mesh) and the seconds measured per step;
# SFU_SERVERS ("buzzd,janus", "buzzd" or "janus") which servers run.

SFU_BENCH_SRCS := $(sort $(wildcard bench/sfu/*.c))
SFU_BENCH_HDRS := $(wildcard bench/sfu/*.h)
SFU_BENCH_RTC := server/rtc/stun.c server/rtc/demux.c server/rtc/dtls.c server/rtc/srtp.c \
  server/rtc/srtp_evp.c server/rtc/rtp.c
SFU_JANUS_LIBDIR := /usr/lib/$(shell $(CC) -print-multiarch 2>/dev/null)/janus
SFU_SHAPE ?= fanout
SFU_STEPS_fanout := 1,4,16,32,64,128,160,192,224,256,320,384,512,640,768,1024,1280,1536
SFU_STEPS_mesh := 2,3,4,6,8,10,12,16,20,24,32,40,48,56,64
SFU_STEPS ?= $(SFU_STEPS_$(SFU_SHAPE))
SFU_SECONDS ?= 5
SFU_SERVERS ?= buzzd,janus

$(BUILD)/bench/sfu-bench: $(SFU_BENCH_SRCS) $(SFU_BENCH_HDRS) $(SFU_BENCH_RTC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -Iserver -Ibench/sfu -DJANUS_LIBDIR='"$(SFU_JANUS_LIBDIR)"' \
	  $(SFU_BENCH_SRCS) $(SFU_BENCH_RTC) $(call PKG,libuv openssl libsrtp2 jansson) -lpthread -o $@

# 10 s of 720p30 test pattern, VP8 at 1.5 Mbit/s, a keyframe every 2 s: encoded once.
$(BUILD)/bench/sfu-clip.ivf: bench/sfu/sfu.mk
	@mkdir -p $(dir $@)
	ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -t 10 \
	  -c:v libvpx -b:v 1500k -minrate 1500k -maxrate 1500k -g 60 -deadline realtime -cpu-used 8 \
	  -auto-alt-ref 0 $@

.PHONY: bench-sfu
bench-sfu: $(BUILD)/bench/sfu-bench $(BUILD)/bench/sfu-clip.ivf $(BUILD)/buzzd
	ulimit -n $$(ulimit -Hn) && timeout 900 $(BUILD)/bench/sfu-bench \
	  --clip $(BUILD)/bench/sfu-clip.ivf --shape $(SFU_SHAPE) --steps $(SFU_STEPS) --seconds $(SFU_SECONDS) \
	  --servers $(SFU_SERVERS) --buzzd $(BUILD)/buzzd

BENCH_TARGETS += bench-sfu
