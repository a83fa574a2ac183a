/* Low-light correction: a local tone curve guided by the faces.
 *
 * The luma is averaged on a grid of 16-pixel cells and blurred (two 3 × 3 box passes). Each
 * face's brightness is the mean luma under its mesh points. The curve is a gamma y^γ on the
 * normalised luma (0 and 1 stay where they are, so nothing clips and highlights are not blown
 * out); per cell:
 *   γ_face  = log(T) / log(face mean)          lifts the face's mean to T (mid-grey)
 *   γ_local = log(T) / log(cell mean)          evens the face: its darker side is lifted more
 *   inside a face's region  γ = (γ_face + γ_local) / 2, fading over 1.2 .. 2.2 face radii into
 *   the background's γ = 1 − 0.3 (1 − γ_face)  (the background gets 30 % of the lift)
 * all within [FX__GAMMA_MIN, 1] (it only brightens) and mixed with 1 by the strength. Per
 * pixel the γ is interpolated bilinearly between cell centres and looked up in a table of 64
 * curves. Chroma is scaled with the luma's gain (square root) so the lifted face keeps its
 * colour instead of turning grey. */
#include <math.h>
#include <string.h>

#include "face_internal.h"

#define TARGET 0.50f
#define BG_SHARE 0.3f

static void build_lut(fx_face *f, int full_range) {
  for (int g = 0; g < 64; g++) {
    float gamma = FX__GAMMA_MIN + (1.0f - FX__GAMMA_MIN) * (float)g / 63.0f;
    for (int v = 0; v < 256; v++) {
      float lo = full_range ? 0.0f : 16.0f, sc = full_range ? 255.0f : 219.0f;
      float y = ((float)v - lo) / sc;
      if (y <= 0) {
        f->lut[g][v] = (uint8_t)v;
        continue;
      }
      if (y > 1) y = 1;
      float o = lo + sc * powf(y, gamma);
      f->lut[g][v] = (uint8_t)(o > 255 ? 255 : o + 0.5f);
    }
  }
  f->lut_range = full_range;
}

static float norm_luma(float v, int full_range) {
  float y = full_range ? v / 255.0f : (v - 16.0f) / 219.0f;
  return y < 0.02f ? 0.02f : y > 0.98f ? 0.98f : y;
}

static float clamp_gamma(float g) {
  return g < FX__GAMMA_MIN ? FX__GAMMA_MIN : g > 1.0f ? 1.0f : g;
}

static void blur_grid(float *g, float *t, int w, int h) {
  for (int pass = 0; pass < 2; pass++) {
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int a = x > 0 ? x - 1 : 0, b = x + 1 < w ? x + 1 : x;
        t[y * w + x] = (g[y * w + a] + g[y * w + x] + g[y * w + b]) / 3.0f;
      }
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int a = y > 0 ? y - 1 : 0, b = y + 1 < h ? y + 1 : y;
        g[y * w + x] = (t[a * w + x] + t[y * w + x] + t[b * w + x]) / 3.0f;
      }
  }
}

/* The curve per cell from luma plane Y (w × h): f->lg[1] the γ as a LUT index (0..63),
 * f->lg[2] the chroma gain; strength 1..100. */
static void light_grid(fx_ctx *c, fx_face *f, int strength, const uint8_t *Y) {
  int w = c->w, h = c->h, gw = f->lgw, gh = f->lgh, fr = c->full_range;
  float *L = f->lg[0], *G = f->lg[1], *T = f->lg[2];
  /* Cell means. */
  double frame_sum = 0;
  for (int gy = 0; gy < gh; gy++)
    for (int gx = 0; gx < gw; gx++) {
      int xa = gx * 16, ya = gy * 16, xb = xa + 16 < w ? xa + 16 : w, yb = ya + 16 < h ? ya + 16 : h;
      unsigned s = 0;
      for (int y = ya; y < yb; y++)
        for (int x = xa; x < xb; x++) s += Y[(size_t)y * w + x];
      L[gy * gw + gx] = (float)s / (float)((xb - xa) * (yb - ya));
      frame_sum += s;
    }
  blur_grid(L, T, gw, gh);
  /* Faces: mean luma under the mesh, centre and radius. */
  float fg[FX_FACE_MAX], fcx[FX_FACE_MAX], fcy[FX_FACE_MAX], frad[FX_FACE_MAX];
  int nf = 0;
  float g_bg = 1.0f;
  for (int i = 0; i < f->n; i++) {
    const float *p = fx_face_mesh(f, i);
    if (!p) continue;
    double s = 0, sx = 0, sy = 0;
    float lx = INFINITY, hx = -INFINITY, ly = INFINITY, hy = -INFINITY;
    int k = 0;
    for (int j = 0; j < FX_FACE_POINTS; j++) {
      float x = p[3 * j], y = p[3 * j + 1];
      lx = fminf(lx, x), hx = fmaxf(hx, x), ly = fminf(ly, y), hy = fmaxf(hy, y);
      sx += x, sy += y;
      if (x >= 0 && y >= 0 && x < w && y < h) s += Y[(size_t)y * w + (int)x], k++;
    }
    if (k < 16) continue;
    fg[nf] = clamp_gamma(logf(TARGET) / logf(norm_luma((float)(s / k), fr)));
    fcx[nf] = (float)(sx / FX_FACE_POINTS), fcy[nf] = (float)(sy / FX_FACE_POINTS);
    frad[nf] = 0.5f * fmaxf(hx - lx, hy - ly) + 1.0f;
    g_bg = fminf(g_bg, 1.0f - BG_SHARE * (1.0f - fg[nf]));
    nf++;
  }
  if (!nf) { /* no face: a mild lift of a dark frame only */
    float m = norm_luma((float)(frame_sum / ((double)w * h)), fr);
    g_bg = m < 0.35f ? 1.0f - BG_SHARE * (1.0f - clamp_gamma(logf(0.35f) / logf(m))) : 1.0f;
  }
  float s = (float)strength / 100.0f;
  for (int gy = 0; gy < gh; gy++)
    for (int gx = 0; gx < gw; gx++) {
      float cx = (float)gx * 16.0f + 8.0f, cy = (float)gy * 16.0f + 8.0f, g = g_bg, wsum = 0;
      for (int i = 0; i < nf; i++) {
        float d = sqrtf((cx - fcx[i]) * (cx - fcx[i]) + (cy - fcy[i]) * (cy - fcy[i])) / frad[i];
        float wt = d < 1.2f ? 1.0f : d > 2.2f ? 0.0f : 2.2f - d;
        if (wt <= wsum) continue;
        float gl = clamp_gamma(logf(TARGET) / logf(norm_luma(L[gy * gw + gx], fr)));
        g = wt * 0.5f * (fg[i] + gl) + (1.0f - wt) * g_bg;
        wsum = wt;
      }
      g = 1.0f - s * (1.0f - clamp_gamma(g));
      G[gy * gw + gx] = (g - FX__GAMMA_MIN) / (1.0f - FX__GAMMA_MIN) * 63.0f; /* LUT index */
      float lm = norm_luma(L[gy * gw + gx], fr), k = sqrtf(powf(lm, g) / lm);
      T[gy * gw + gx] = k > 1.4f ? 1.4f : k; /* chroma gain */
    }
}

int fx_face_lowlight_grid(fx_ctx *c, fx_face *f, int strength, uint8_t *out) {
  if (!c || !f || !out || c->w != f->w || c->h != f->h) return FX_EINVAL;
  int n = f->lgw * f->lgh;
  if (strength <= 0) {
    for (int i = 0; i < n; i++) out[2 * i] = 255, out[2 * i + 1] = 0;
    return FX_OK;
  }
  light_grid(c, f, strength > 100 ? 100 : strength, c->frame);
  for (int i = 0; i < n; i++) {
    float g = f->lg[1][i] / 63.0f * 255.0f, k = (f->lg[2][i] - 1.0f) / 0.4f * 255.0f;
    out[2 * i] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g + 0.5f);
    out[2 * i + 1] = (uint8_t)(k < 0 ? 0 : k > 255 ? 255 : k + 0.5f);
  }
  return FX_OK;
}

int fx_face_lowlight(fx_ctx *c, fx_face *f, int strength) {
  if (!c || !f || c->w != f->w || c->h != f->h) return FX_EINVAL;
  if (strength <= 0) return FX_OK;
  if (strength > 100) strength = 100;
  int w = c->w, h = c->h, gw = f->lgw, gh = f->lgh, fr = c->full_range;
  if (f->lut_range != fr) build_lut(f, fr);
  uint8_t *Y = c->out, *U = Y + (size_t)w * h, *V = U + (size_t)c->hw * c->hh;
  float *G = f->lg[1], *T = f->lg[2];
  light_grid(c, f, strength, Y);
  /* Apply: luma through the interpolated curve. Per row, the γ index is interpolated
   * vertically at each cell centre, then ramped across each 16-pixel span in 8.8 fixed point
   * (flat before the first and after the last centre). */
  int32_t rowq[FX_MAX_DIM / 16 + 2];
  for (int y = 0; y < h; y++) {
    float gyf = ((float)y + 0.5f) / 16.0f - 0.5f;
    if (gyf < 0) gyf = 0;
    if (gyf > gh - 1) gyf = (float)(gh - 1);
    int j0 = (int)gyf, j1 = j0 + 1 < gh ? j0 + 1 : j0;
    float fy = gyf - j0;
    for (int i = 0; i < gw; i++)
      rowq[i] = (int32_t)((G[j0 * gw + i] * (1 - fy) + G[j1 * gw + i] * fy) * 256.0f + 0.5f);
    uint8_t *row = Y + (size_t)y * w;
    int x = 0;
    for (; x < 8 && x < w; x++) row[x] = f->lut[(rowq[0] + 128) >> 8][row[x]];
    for (int i = 0; i + 1 < gw; i++) {
      int32_t q = rowq[i] * 16 + (rowq[i + 1] - rowq[i]) / 2, dq = rowq[i + 1] - rowq[i];
      /* pixel x = 16 i + 8 + k sits k + 0.5 pixels past centre i: q = rowq[i] + dq (k + 0.5) / 16 */
      int end = 16 * i + 24 < w ? 16 * i + 24 : w;
      for (; x < end; x++, q += dq) row[x] = f->lut[((q >> 4) + 128) >> 8][row[x]];
    }
    for (; x < w; x++) row[x] = f->lut[(rowq[gw - 1] + 128) >> 8][row[x]];
  }
  int cw = c->hw, ch = c->hh;
  for (int y = 0; y < ch; y++) {
    int gyi = (2 * y) / 16;
    const float *K = T + (size_t)(gyi < gh ? gyi : gh - 1) * gw;
    for (int x = 0; x < cw; x++) {
      int gxi = (2 * x) / 16;
      float k = K[gxi < gw ? gxi : gw - 1];
      if (k <= 1.001f) continue;
      size_t o = (size_t)y * cw + x;
      float u = 128.0f + k * ((float)U[o] - 128.0f), v = 128.0f + k * ((float)V[o] - 128.0f);
      U[o] = (uint8_t)(u < 0 ? 0 : u > 255 ? 255 : u + 0.5f);
      V[o] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
    }
  }
  return FX_OK;
}
