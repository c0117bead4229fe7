//go:build amd64 && !purego

#include "textflag.h"

// func scale8(src *uint8, dst *float32, blocks int)
//
// dst[i] = float32(src[i]) / 255 for blocks·8 bytes: a correctly rounded division, as
// the Go table's, so the same bits.
TEXT ·scale8(SB), NOSPLIT, $0-24
	MOVQ         src+0(FP), SI
	MOVQ         dst+8(FP), DI
	MOVQ         blocks+16(FP), CX
	TESTQ        CX, CX
	JZ           done
	MOVL         $0x437f0000, AX // 255 as a float32
	VMOVD        AX, X7
	VBROADCASTSS X7, Y7

loop:
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VDIVPS    Y7, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET
