/* SPDX-License-Identifier: GPL-2.0 */
/* Strict UTF-8 decoding for the text writers (Prometheus, SVG, speedscope, the HTML report, Pyroscope labels). */
#ifndef GOTRACE_UTF8_H
#define GOTRACE_UTF8_H

#include <stdint.h>

/* The length (1-4) of the well-formed UTF-8 character at s, its code point in *cp; 0 for a byte that starts none
 * (stray continuation, overlong form, surrogate, beyond U+10FFFF, cut short). Names come from binaries and may
 * hold any bytes; XML and JSON need valid UTF-8. */
int utf8_decode(const char *s, uint32_t *cp);

#endif
