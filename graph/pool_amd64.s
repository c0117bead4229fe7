//go:build amd64 && !purego

#include "textflag.h"

// func maxWindows8(x *float32, starts, offs *int32, noffs, blocks int, m *float32, arg *int32)
//
// Eight windows at a time: for each offset in turn, gather the eight elements, keep
// the larger where an element is strictly larger than the maximum so far (so the first
// maximum stays) with its index, and collect NaNs; then set the NaN windows' maxima to
// all ones.
TEXT ·maxWindows8(SB), NOSPLIT, $0-56
	MOVQ  x+0(FP), SI
	MOVQ  starts+8(FP), DX
	MOVQ  offs+16(FP), R8
	MOVQ  noffs+24(FP), R9
	MOVQ  blocks+32(FP), CX
	MOVQ  m+40(FP), DI
	MOVQ  arg+48(FP), R10
	TESTQ CX, CX
	JZ    done

block:
	VMOVDQU      (DX), Y0             // the windows' starts
	VPBROADCASTD (R8), Y1
	VPADDD       Y0, Y1, Y1           // the first offset's indices
	VPCMPEQD     Y2, Y2, Y2           // gather all eight
	VGATHERDPS   Y2, (SI)(Y1*4), Y3   // m = x[idx]
	VMOVDQU      Y1, Y4               // arg = idx
	VCMPPS       $3, Y3, Y3, Y5       // NaN lanes
	MOVQ         $1, R11

offset:
	CMPQ         R11, R9
	JGE          store
	VPBROADCASTD (R8)(R11*4), Y1
	VPADDD       Y0, Y1, Y1           // this offset's indices
	VPCMPEQD     Y2, Y2, Y2
	VGATHERDPS   Y2, (SI)(Y1*4), Y6   // v = x[idx]
	VCMPPS       $3, Y6, Y6, Y7
	VORPS        Y7, Y5, Y5           // collect NaN lanes
	VCMPPS       $1, Y6, Y3, Y7       // m < v
	VBLENDVPS    Y7, Y6, Y3, Y3       // m = v there
	VBLENDVPS    Y7, Y1, Y4, Y4       // arg = idx there
	INCQ         R11
	JMP          offset

store:
	VORPS   Y5, Y3, Y3                // NaN windows: all ones
	VMOVUPS Y3, (DI)
	VMOVDQU Y4, (R10)
	ADDQ    $32, DX
	ADDQ    $32, DI
	ADDQ    $32, R10
	DECQ    CX
	JNZ     block

done:
	VZEROUPPER
	RET
