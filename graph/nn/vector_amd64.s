//go:build amd64 && !purego

#include "textflag.h"

// GRADARGS loads the arguments of a gradient kernel, func(y, dy, dx *float32, blocks
// int): y into SI, dy into DX, dx into DI, blocks into CX, and jumps to done when
// blocks is 0.
#define GRADARGS(done) \
	MOVQ  y+0(FP), SI;      \
	MOVQ  dy+8(FP), DX;     \
	MOVQ  dx+16(FP), DI;    \
	MOVQ  blocks+24(FP), CX; \
	TESTQ CX, CX;           \
	JZ    done

// NEXT3 steps the three pointers a block on and loops to loop while blocks remain.
#define NEXT3(loop) \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, DI; \
	DECQ CX;      \
	JNZ  loop

// func sigmoid8(x, y *float32, blocks int, c *sigmoidConsts)
//
// sigmoid32 for blocks·8 floats, eight at a time: the same operations in the same order,
// each rounded to float32 (multiplies and adds, no fused multiply-add), so that every
// result is the Go loop's to the bit. c holds each constant eight times (see
// sigmoidConsts for the offsets).
TEXT ·sigmoid8(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ blocks+16(FP), CX
	MOVQ c+24(FP), AX
	TESTQ CX, CX
	JZ   done

loop:
	VMOVUPS (SI), Y0
	VXORPS  0(AX), Y0, Y0     // -x
	VMOVUPS 32(AX), Y1
	VMAXPS  Y0, Y1, Y0        // z = max(-87.3, -x), -x when NaN
	VMOVUPS 64(AX), Y1
	VMINPS  Y0, Y1, Y0        // z = min(88, z), z when NaN
	VMULPS  96(AX), Y0, Y1    // z·log2e
	VADDPS  128(AX), Y1, Y1   // + 1.5·2^23
	VSUBPS  128(AX), Y1, Y1   // n = round(z·log2e)
	VMULPS  160(AX), Y1, Y2
	VSUBPS  Y2, Y0, Y2        // r = z - n·ln2hi
	VMULPS  192(AX), Y1, Y3
	VSUBPS  Y3, Y2, Y2        // r -= n·ln2lo
	VMOVUPS 224(AX), Y3       // p = P0
	VMULPS  Y2, Y3, Y3
	VADDPS  256(AX), Y3, Y3   // p = p·r + P1
	VMULPS  Y2, Y3, Y3
	VADDPS  288(AX), Y3, Y3   // + P2
	VMULPS  Y2, Y3, Y3
	VADDPS  320(AX), Y3, Y3   // + P3
	VMULPS  Y2, Y3, Y3
	VADDPS  352(AX), Y3, Y3   // + P4
	VMULPS  Y2, Y3, Y3
	VADDPS  384(AX), Y3, Y3   // + P5
	VMULPS  Y2, Y3, Y3
	VMULPS  Y2, Y3, Y3        // p·r·r
	VADDPS  Y2, Y3, Y3        // + r
	VMOVUPS 416(AX), Y4       // 1
	VADDPS  Y4, Y3, Y3        // + 1
	VCVTTPS2DQ Y1, Y1         // int32(n)
	VPADDD  448(AX), Y1, Y1   // + 127
	VPSLLD  $23, Y1, Y1       // 2^n
	VMULPS  Y1, Y3, Y3        // exp(-x)
	VADDPS  Y3, Y4, Y3        // 1 + exp(-x)
	VDIVPS  Y3, Y4, Y3        // 1 / (1 + exp(-x))
	VMOVUPS Y3, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

// func relu8(x, y *float32, blocks int)
//
// y = max(x, 0) for blocks·8 floats, with Go's max: +0 for -0, NaN for NaN.
TEXT ·relu8(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   blocks+16(FP), CX
	TESTQ  CX, CX
	JZ     reludone
	VXORPS Y7, Y7, Y7

reluloop:
	VMOVUPS   (SI), Y0
	VMAXPS    Y7, Y0, Y1        // max(x, +0): +0 for ±0, and for NaN
	VCMPPS    $3, Y0, Y0, Y2    // x is NaN
	VBLENDVPS Y2, Y0, Y1, Y1    // NaN where x is
	VMOVUPS   Y1, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       reluloop

reludone:
	VZEROUPPER
	RET

// func reluGrad8(y, dy, dx *float32, blocks int)
//
// dx = dy where y > 0, else +0, for blocks·8 floats (reluGrad32's bits).
TEXT ·reluGrad8(SB), NOSPLIT, $0-32
	GRADARGS(graddone)
	VXORPS Y7, Y7, Y7

gradloop:
	VMOVUPS (SI), Y0
	VCMPPS  $0x1e, Y7, Y0, Y1 // y > 0 (false for NaN)
	VANDPS  (DX), Y1, Y1      // dy there, +0 elsewhere
	VMOVUPS Y1, (DI)
	NEXT3(gradloop)

graddone:
	VZEROUPPER
	RET

// func sigmoidGrad8(y, dy, dx *float32, blocks int)
//
// dx = (dy·y)·(1 - y) for blocks·8 floats (sigmoidGrad's bits).
TEXT ·sigmoidGrad8(SB), NOSPLIT, $0-32
	GRADARGS(sgdone)
	MOVL         $0x3f800000, AX // 1 as a float32
	VMOVD        AX, X7
	VBROADCASTSS X7, Y7

sgloop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y1 // dy·y
	VSUBPS  Y0, Y7, Y2   // 1 - y
	VMULPS  Y2, Y1, Y1
	VMOVUPS Y1, (DI)
	NEXT3(sgloop)

sgdone:
	VZEROUPPER
	RET

// func add8(dst, src *float32, blocks int)
//
// dst += src for blocks·8 floats, two blocks per iteration while it can.
TEXT ·add8(SB), NOSPLIT, $0-24
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  blocks+16(FP), CX
	MOVQ  CX, DX
	SHRQ  $1, DX
	JZ    addone

addloop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    DX
	JNZ     addloop

addone:
	ANDQ    $1, CX
	JZ      adddone
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)

adddone:
	VZEROUPPER
	RET

// func tanh8(x, y *float32, blocks int, c *tanhConsts)
//
// tanh32 for blocks·8 floats, eight at a time: tanh32Go's operations in the same order,
// each rounded to float32 (no fused multiply-add), so that every result is the Go
// loop's to the bit. c holds each constant eight times (see tanhConsts for the
// offsets).
TEXT ·tanh8(SB), NOSPLIT, $0-32
	MOVQ  x+0(FP), SI
	MOVQ  y+8(FP), DI
	MOVQ  blocks+16(FP), CX
	MOVQ  c+24(FP), AX
	TESTQ CX, CX
	JZ    tdone

tloop:
	VMOVUPS    (SI), Y0
	VANDPS     0(AX), Y0, Y1    // |x|
	VMOVUPS    64(AX), Y2
	VMINPS     Y1, Y2, Y1       // a = min(10, |x|), |x| when NaN
	VMULPS     Y1, Y1, Y2       // z = a·a
	VMOVUPS    96(AX), Y3       // P0
	VMULPS     Y2, Y3, Y3
	VADDPS     128(AX), Y3, Y3  // ·z + P1
	VMULPS     Y2, Y3, Y3
	VADDPS     160(AX), Y3, Y3  // ·z + P2
	VMULPS     Y2, Y3, Y3
	VADDPS     192(AX), Y3, Y3  // ·z + P3
	VMULPS     Y2, Y3, Y3
	VADDPS     224(AX), Y3, Y3  // ·z + P4
	VMULPS     Y2, Y3, Y3       // ·z
	VMULPS     Y1, Y3, Y3       // ·a
	VADDPS     Y1, Y3, Y3       // p = ... + a
	VADDPS     Y1, Y1, Y4       // 2a
	VMULPS     352(AX), Y4, Y5  // 2a·log2e
	VADDPS     384(AX), Y5, Y5  // + 1.5·2^23
	VSUBPS     384(AX), Y5, Y5  // n = round(2a·log2e)
	VMULPS     416(AX), Y5, Y6
	VSUBPS     Y6, Y4, Y6       // r = 2a - n·ln2hi
	VMULPS     448(AX), Y5, Y7
	VSUBPS     Y7, Y6, Y6       // r -= n·ln2lo
	VMOVUPS    480(AX), Y7      // q = exp P0
	VMULPS     Y6, Y7, Y7
	VADDPS     512(AX), Y7, Y7  // q·r + P1
	VMULPS     Y6, Y7, Y7
	VADDPS     544(AX), Y7, Y7  // + P2
	VMULPS     Y6, Y7, Y7
	VADDPS     576(AX), Y7, Y7  // + P3
	VMULPS     Y6, Y7, Y7
	VADDPS     608(AX), Y7, Y7  // + P4
	VMULPS     Y6, Y7, Y7
	VADDPS     640(AX), Y7, Y7  // + P5
	VMULPS     Y6, Y7, Y7
	VMULPS     Y6, Y7, Y7       // q·r·r
	VADDPS     Y6, Y7, Y7       // + r
	VMOVUPS    288(AX), Y8      // 1
	VADDPS     Y8, Y7, Y7       // + 1
	VCVTTPS2DQ Y5, Y5           // int32(n)
	VPADDD     672(AX), Y5, Y5  // + 127
	VPSLLD     $23, Y5, Y5      // 2^n
	VMULPS     Y5, Y7, Y7       // e = exp(2a)
	VADDPS     Y8, Y7, Y7       // e + 1
	VMOVUPS    320(AX), Y9      // 2
	VDIVPS     Y7, Y9, Y7       // 2 / (e + 1)
	VSUBPS     Y7, Y8, Y7       // 1 - 2 / (e + 1)
	VCMPPS     $1, 256(AX), Y1, Y9 // a < 0.625
	VBLENDVPS  Y9, Y3, Y7, Y7   // the polynomial there, else the exponential's form
	VANDPS     0(AX), Y7, Y7    // without a sign
	VANDPS     32(AX), Y0, Y0   // x's sign
	VORPS      Y0, Y7, Y7
	VMOVUPS    Y7, (DI)
	ADDQ       $32, SI
	ADDQ       $32, DI
	DECQ       CX
	JNZ        tloop

tdone:
	VZEROUPPER
	RET

// func tanhGrad8(y, dy, dx *float32, blocks int)
//
// dx = dy·(1 - y·y) for blocks·8 floats (tanhGrad's bits).
TEXT ·tanhGrad8(SB), NOSPLIT, $0-32
	GRADARGS(tgdone)
	MOVL         $0x3f800000, AX // 1 as a float32
	VMOVD        AX, X7
	VBROADCASTSS X7, Y7

tgloop:
	VMOVUPS (SI), Y0
	VMULPS  Y0, Y0, Y1   // y·y
	VSUBPS  Y1, Y7, Y1   // 1 - y·y
	VMULPS  (DX), Y1, Y1 // dy·(1 - y·y)
	VMOVUPS Y1, (DI)
	NEXT3(tgloop)

tgdone:
	VZEROUPPER
	RET
