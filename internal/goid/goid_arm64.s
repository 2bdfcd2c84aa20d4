#include "textflag.h"

// func getg() uintptr
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET

// func load(addr uintptr) int64
TEXT ·load(SB), NOSPLIT, $0-16
	MOVD addr+0(FP), R0
	MOVD (R0), R0
	MOVD R0, ret+8(FP)
	RET

// func loadAt(offset uintptr) int64
TEXT ·loadAt(SB), NOSPLIT, $0-16
	MOVD offset+0(FP), R0
	MOVD g, R1
	ADD R0, R1
	MOVD (R1), R0
	MOVD R0, ret+8(FP)
	RET
