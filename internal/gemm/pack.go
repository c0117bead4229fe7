package gemm

// packA copies the mc x kc block of op(A) whose top-left element is a[0]
// into dst as ceil(mc/mr) panels of mr rows. Panel q holds rows q*mr.. and
// starts at dst[q*mr*kc]; within a panel, element (i, p) is at p*mr+i.
// Rows past mc are zero so the micro-kernel can always compute mr rows.
//
// op(A)(i, p) is a[i*lda+p] when !trans and a[p*lda+i] when trans.
func packA(dst []float32, trans bool, a []float32, lda, mc, kc int) {
	for i0 := 0; i0 < mc; i0 += mr {
		rows := min(mr, mc-i0)
		d := dst[i0*kc : i0*kc+mr*kc]
		switch {
		case !trans && rows == mr:
			r0 := a[(i0+0)*lda:][:kc]
			r1 := a[(i0+1)*lda:][:kc]
			r2 := a[(i0+2)*lda:][:kc]
			r3 := a[(i0+3)*lda:][:kc]
			r4 := a[(i0+4)*lda:][:kc]
			r5 := a[(i0+5)*lda:][:kc]
			for p := range kc {
				q := (*[mr]float32)(d[p*mr:])
				q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		case trans && rows == mr:
			for p := range kc {
				s := (*[mr]float32)(a[p*lda+i0:])
				*(*[mr]float32)(d[p*mr:]) = *s
			}
		case !trans:
			clear(d)
			for i := range rows {
				r := a[(i0+i)*lda:][:kc]
				for p, v := range r {
					d[p*mr+i] = v
				}
			}
		default:
			clear(d)
			for p := range kc {
				copy(d[p*mr:p*mr+rows], a[p*lda+i0:][:rows])
			}
		}
	}
}

// packB copies the kc x nc block of op(B) whose top-left element is b[0]
// into dst as ceil(nc/nr) panels of nr columns. Panel q holds columns
// q*nr.. and starts at dst[q*nr*kc]; within a panel, element (p, j) is at
// p*nr+j. Columns past nc are zero.
//
// op(B)(p, j) is b[p*ldb+j] when !trans and b[j*ldb+p] when trans.
func packB(dst []float32, trans bool, b []float32, ldb, kc, nc int) {
	for j0 := 0; j0 < nc; j0 += nr {
		cols := min(nr, nc-j0)
		d := dst[j0*kc : j0*kc+nr*kc]
		switch {
		case !trans && cols == nr:
			for p := range kc {
				*(*[nr]float32)(d[p*nr:]) = *(*[nr]float32)(b[p*ldb+j0:])
			}
		case trans && cols == nr:
			packBTrans16(d, b[j0*ldb:], ldb, kc)
		case !trans:
			clear(d)
			for p := range kc {
				copy(d[p*nr:p*nr+cols], b[p*ldb+j0:][:cols])
			}
		default:
			clear(d)
			for j := range cols {
				r := b[(j0+j)*ldb:][:kc]
				for p, v := range r {
					d[p*nr+j] = v
				}
			}
		}
	}
}

// packBTrans16 transposes 16 rows of b (each kc long, ldb apart) into one
// packed panel: d[p*16+j] = b[j*ldb+p].
func packBTrans16(d, b []float32, ldb, kc int) {
	// Four rows at a time keeps four read streams and one write stream.
	for j := 0; j < nr; j += 4 {
		r0 := b[(j+0)*ldb:][:kc]
		r1 := b[(j+1)*ldb:][:kc]
		r2 := b[(j+2)*ldb:][:kc]
		r3 := b[(j+3)*ldb:][:kc]
		for p := range kc {
			q := (*[4]float32)(d[p*nr+j:])
			q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
}
