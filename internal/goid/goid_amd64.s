#include "textflag.h"

// func getg() uintptr
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET

// func load(addr uintptr) int64
TEXT ·load(SB), NOSPLIT, $0-16
	MOVQ addr+0(FP), AX
	MOVQ (AX), AX
	MOVQ AX, ret+8(FP)
	RET

// func loadAt(offset uintptr) int64
TEXT ·loadAt(SB), NOSPLIT, $0-16
	MOVQ (TLS), AX
	ADDQ offset+0(FP), AX
	MOVQ (AX), AX
	MOVQ AX, ret+8(FP)
	RET
