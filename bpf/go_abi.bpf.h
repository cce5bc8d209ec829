/* SPDX-License-Identifier: GPL-2.0 */
/* Go's register ABI (ABIInternal, Go 1.17+) as seen from a uprobe: integer arguments, results and the current g. */
#ifndef GOTRACE_GO_ABI_BPF_H
#define GOTRACE_GO_ABI_BPF_H

#if defined(__TARGET_ARCH_x86)
/* Arguments and results: RAX, RBX, RCX, RDI, RSI, R8, R9, R10, R11; the current g lives in R14. */
#define GO_ARG1(ctx) ((ctx)->ax)
#define GO_ARG2(ctx) ((ctx)->bx)
#define GO_ARG3(ctx) ((ctx)->cx)
#define GO_ARG4(ctx) ((ctx)->di)
#define GO_ARG5(ctx) ((ctx)->si)
#define GO_RET1(ctx) ((ctx)->ax)
#define GO_G(ctx) ((ctx)->r14)
#elif defined(__TARGET_ARCH_arm64)
/* Arguments and results: R0-R15; the current g lives in R28. */
#define GO_ARG1(ctx) ((ctx)->regs[0])
#define GO_ARG2(ctx) ((ctx)->regs[1])
#define GO_ARG3(ctx) ((ctx)->regs[2])
#define GO_ARG4(ctx) ((ctx)->regs[3])
#define GO_ARG5(ctx) ((ctx)->regs[4])
#define GO_RET1(ctx) ((ctx)->regs[0])
#define GO_G(ctx) ((ctx)->regs[28])
#else
#error "gotrace supports x86_64 and arm64"
#endif

#endif
