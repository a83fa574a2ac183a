/* The compiler-rt builtins nn.wasm needs. Debian ships no wasm32 libclang_rt.builtins, and
 * wasi-libc's number parsing (strtoull, via intscan) multiplies 128-bit integers, which
 * clang lowers to a call to __multi3. This is that one routine, built from 32×32→64-bit
 * products so it cannot call itself. */
#include <stdint.h>

typedef unsigned __int128 nnw_u128;

nnw_u128 __multi3(nnw_u128 a, nnw_u128 b);

nnw_u128 __multi3(nnw_u128 a, nnw_u128 b) {
  uint64_t al = (uint64_t)a, ah = (uint64_t)(a >> 64);
  uint64_t bl = (uint64_t)b, bh = (uint64_t)(b >> 64);
  uint64_t a0 = al & 0xffffffffu, a1 = al >> 32, b0 = bl & 0xffffffffu, b1 = bl >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  uint64_t lo = (mid << 32) | (p00 & 0xffffffffu);
  uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) + al * bh + ah * bl;
  return ((nnw_u128)hi << 64) | lo;
}
