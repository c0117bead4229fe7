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

// lanes are 0 to 7, the lanes' window numbers in a block.
DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $32

// negInf is -Inf as a float32.
DATA negInf<>+0(SB)/4, $0xff800000
GLOBL negInf<>(SB), RODATA|NOPTR, $4

// func maxRow8(x *float32, w, kh, kw, stride, n int, m *float32, arg *int32)
//
// Blocks of eight windows of one row, window j starting at x[j·stride]: a block's
// elements at one offset u·w + v are eight loads apart by stride, so one load (stride
// 1) or two and a shuffle (stride 2) fetch them. Where n >= 8 the last block overlaps
// the one before where n is not a multiple of 8, computing some windows twice, to the
// same values; a row of fewer windows is one block whose loads leave out (masked) the
// elements past its last window, and whose lanes past n hold garbage. Per offset as in maxWindows8: m from -Inf, kept where an element is
// strictly larger (so the first maximum stays, and the first element where all are
// -Inf), arg its index from x, NaN windows all ones.
TEXT ·maxRow8(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), R8
	MOVQ kh+16(FP), R9
	MOVQ kw+24(FP), R10
	MOVQ stride+32(FP), R11
	MOVQ n+40(FP), CX
	MOVQ m+48(FP), DI
	MOVQ arg+56(FP), DX
	VMOVD        R11, X0
	VPBROADCASTD X0, Y0
	VPMULLD      lanes<>(SB), Y0, Y15 // lane · stride
	XORQ         BX, BX               // j, the block's first window
	VPCMPEQD     Y12, Y12, Y12        // the loads' masks: all, where n >= 8
	VMOVDQU      Y12, Y13
	CMPQ         CX, $8
	JGE          rblock
	MOVQ         CX, AX
	IMULQ        R11, AX
	SUBQ         R11, AX
	INCQ         AX                   // the elements a row needs: n (stride 1), 2n - 1 (stride 2)
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VMOVDQU      lanes<>(SB), Y1
	VPCMPGTD     Y1, Y0, Y12          // the first load's
	LEAQ         -8(CX)(CX*1), AX     // and the second's, from element 7
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VPCMPGTD     Y1, Y0, Y13

rblock:
	MOVQ         BX, AX
	IMULQ        R11, AX              // j·stride
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VPADDD       Y15, Y0, Y14         // the windows' starts
	LEAQ         (SI)(AX*4), R12      // x + j·stride
	VBROADCASTSS negInf<>(SB), Y3     // m
	VMOVDQU      Y14, Y4              // arg: the first elements
	VPXOR        Y5, Y5, Y5           // NaN lanes
	XORQ         R13, R13             // u·w

rrow:
	XORQ R14, R14 // v

rcol:
	LEAQ         (R13)(R14*1), AX     // u·w + v
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VPADDD       Y14, Y0, Y1          // its indices
	CMPQ         R11, $1
	JNE          rstride2
	VMASKMOVPS   (R12)(AX*4), Y12, Y6
	JMP          rgot

rstride2:
	VMASKMOVPS (R12)(AX*4), Y12, Y6   // elements 0 to 7
	VMASKMOVPS 28(R12)(AX*4), Y13, Y7 // elements 7 to 14
	VSHUFPS  $0xd8, Y7, Y6, Y6 // 0 2 8 10 | 4 6 12 14
	VPERMPD  $0xd8, Y6, Y6  // 0 2 4 6 8 10 12 14

rgot:
	VCMPPS    $3, Y6, Y6, Y7
	VORPS     Y7, Y5, Y5    // collect NaN lanes
	VCMPPS    $1, Y6, Y3, Y7 // m < v
	VBLENDVPS Y7, Y6, Y3, Y3
	VBLENDVPS Y7, Y1, Y4, Y4
	INCQ      R14
	CMPQ      R14, R10
	JLT       rcol
	ADDQ      R8, R13
	DECQ      R9
	JNZ       rrow
	MOVQ      kh+16(FP), R9

	VORPS   Y5, Y3, Y3
	VMOVUPS Y3, (DI)(BX*4)
	VMOVDQU Y4, (DX)(BX*4)
	ADDQ    $8, BX
	CMPQ    BX, CX
	JGE     rdone
	LEAQ    -8(CX), AX
	CMPQ    BX, AX
	JLE     rblock
	MOVQ    AX, BX          // the last block overlaps
	JMP     rblock

rdone:
	VZEROUPPER
	RET

// func avg2x2Rows(x, y *float32, w, ow, oh int)
//
// For each of the oh output rows of y (ow apart), from the row pair of x starting at
// 2i·w (w apart), the first ow&^3 averages of 2x2 windows, eight then four at a time:
// VSHUFPS splits the even columns from the odd ones (each 128-bit lane in turn), the
// sums run in the Go loop's order, (((r0 even + r0 odd) + r1 even) + r1 odd) · 0.25, and
// VPERMPD puts the eight lanes' 64-bit halves back in column order.
TEXT ·avg2x2Rows(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         y+8(FP), DI
	MOVQ         w+16(FP), DX
	MOVQ         ow+24(FP), BX
	MOVQ         oh+32(FP), CX
	TESTQ        CX, CX
	JZ           avgdone
	SHLQ         $2, DX               // a row of x in bytes
	MOVL         $0x3e800000, AX      // 0.25
	MOVQ         AX, X8
	VBROADCASTSS X8, Y8

avgrow:
	MOVQ SI, R8                       // r0
	LEAQ (SI)(DX*1), R9               // r1
	MOVQ DI, R10                      // the output row
	MOVQ BX, R11                      // outputs left

avg8:
	CMPQ      R11, $8
	JLT       avg4
	VMOVUPS   (R8), Y0
	VMOVUPS   32(R8), Y1
	VMOVUPS   (R9), Y2
	VMOVUPS   32(R9), Y3
	VSHUFPS   $0x88, Y1, Y0, Y4       // r0's even columns
	VSHUFPS   $0xDD, Y1, Y0, Y5       // r0's odd columns
	VSHUFPS   $0x88, Y3, Y2, Y6       // r1's even columns
	VSHUFPS   $0xDD, Y3, Y2, Y7       // r1's odd columns
	VADDPS    Y5, Y4, Y4
	VADDPS    Y6, Y4, Y4
	VADDPS    Y7, Y4, Y4
	VMULPS    Y8, Y4, Y4
	VPERMPD   $0xD8, Y4, Y4
	VMOVUPS   Y4, (R10)
	ADDQ      $64, R8
	ADDQ      $64, R9
	ADDQ      $32, R10
	SUBQ      $8, R11
	JMP       avg8

avg4:
	CMPQ    R11, $4
	JLT     avgnext
	VMOVUPS (R8), X0
	VMOVUPS 16(R8), X1
	VMOVUPS (R9), X2
	VMOVUPS 16(R9), X3
	VSHUFPS $0x88, X1, X0, X4
	VSHUFPS $0xDD, X1, X0, X5
	VSHUFPS $0x88, X3, X2, X6
	VSHUFPS $0xDD, X3, X2, X7
	VADDPS  X5, X4, X4
	VADDPS  X6, X4, X4
	VADDPS  X7, X4, X4
	VMULPS  X8, X4, X4
	VMOVUPS X4, (R10)

avgnext:
	LEAQ (SI)(DX*2), SI
	LEAQ (DI)(BX*4), DI
	DECQ CX
	JNZ  avgrow

avgdone:
	VZEROUPPER
	RET

// func avg2x2GradRows(gy, dx *float32, w, ow, oh int)
//
// avg2x2Rows's backward pass: for each of the oh gradient rows of gy (ow apart), its
// first ow&^3 entries times 0.25, each written to the four pixels of its window in the
// row pair of dx starting at 2i·w (w apart), eight then four at a time: VUNPCKLPS and
// VUNPCKHPS duplicate each lane, VPERM2F128 puts the halves in column order.
TEXT ·avg2x2GradRows(SB), NOSPLIT, $0-40
	MOVQ         gy+0(FP), SI
	MOVQ         dx+8(FP), DI
	MOVQ         w+16(FP), DX
	MOVQ         ow+24(FP), BX
	MOVQ         oh+32(FP), CX
	TESTQ        CX, CX
	JZ           graddone
	SHLQ         $2, DX               // a row of dx in bytes
	MOVL         $0x3e800000, AX      // 0.25
	MOVQ         AX, X8
	VBROADCASTSS X8, Y8

gradrow:
	MOVQ SI, R10                      // the gradient row
	MOVQ DI, R8                       // d0
	LEAQ (DI)(DX*1), R9               // d1
	MOVQ BX, R11                      // entries left

grad8:
	CMPQ       R11, $8
	JLT        grad4
	VMULPS     (R10), Y8, Y0
	VUNPCKLPS  Y0, Y0, Y1             // 0 0 1 1 | 4 4 5 5
	VUNPCKHPS  Y0, Y0, Y2             // 2 2 3 3 | 6 6 7 7
	VPERM2F128 $0x20, Y2, Y1, Y3      // 0 0 1 1 2 2 3 3
	VPERM2F128 $0x31, Y2, Y1, Y4      // 4 4 5 5 6 6 7 7
	VMOVUPS    Y3, (R8)
	VMOVUPS    Y4, 32(R8)
	VMOVUPS    Y3, (R9)
	VMOVUPS    Y4, 32(R9)
	ADDQ       $32, R10
	ADDQ       $64, R8
	ADDQ       $64, R9
	SUBQ       $8, R11
	JMP        grad8

grad4:
	CMPQ      R11, $4
	JLT       gradnext
	VMULPS    (R10), X8, X0
	VUNPCKLPS X0, X0, X1
	VUNPCKHPS X0, X0, X2
	VMOVUPS   X1, (R8)
	VMOVUPS   X2, 16(R8)
	VMOVUPS   X1, (R9)
	VMOVUPS   X2, 16(R9)

gradnext:
	LEAQ (SI)(BX*4), SI
	LEAQ (DI)(DX*2), DI
	DECQ CX
	JNZ  gradrow

graddone:
	VZEROUPPER
	RET
