/* vecmath_tmpl.h -- the float64 tanh and sigmoid of vecmath.h, written once with PO_VM_MAD(a, b, c) for
 * a*b + c (PO_VM_MADF in float32), and vecmath.h's float32 sigmoid: included twice by vecmath.h, once with a separate multiply and add (PO_VM(name) = name, the
 * portable path) and once with a fused multiply-add (PO_VM(name) = name##_fma, only ever inlined into
 * functions compiled for AVX2+FMA). See vecmath.h for the algorithm and the accuracy. */

/* expm1(r) for |r| <= ln2/2 + tiny: r + r^2 (1/2! + r/3! + ... + r^11/13!), Horner. */
PO_ALWAYS_INLINE double PO_VM(po_vm_expm1_reduced)(double r)
{
    double p = 1.0 / 6227020800.0;            /* 1/13! */
    p = PO_VM_MAD(p, r, 1.0 / 479001600.0);   /* 1/12! */
    p = PO_VM_MAD(p, r, 1.0 / 39916800.0);    /* 1/11! */
    p = PO_VM_MAD(p, r, 1.0 / 3628800.0);     /* 1/10! */
    p = PO_VM_MAD(p, r, 1.0 / 362880.0);      /* 1/9!  */
    p = PO_VM_MAD(p, r, 1.0 / 40320.0);       /* 1/8!  */
    p = PO_VM_MAD(p, r, 1.0 / 5040.0);        /* 1/7!  */
    p = PO_VM_MAD(p, r, 1.0 / 720.0);         /* 1/6!  */
    p = PO_VM_MAD(p, r, 1.0 / 120.0);         /* 1/5!  */
    p = PO_VM_MAD(p, r, 1.0 / 24.0);          /* 1/4!  */
    p = PO_VM_MAD(p, r, 1.0 / 6.0);           /* 1/3!  */
    p = PO_VM_MAD(p, r, 0.5);                 /* 1/2!  */
    return PO_VM_MAD(r * r, p, r);
}

/* The reduction shared by exp and expm1: y = n ln2 + r; returns r, and t = y log2e + SHIFT rounded,
 * whose low bits hold n (two's complement), through *t. */
PO_ALWAYS_INLINE double PO_VM(po_vm_reduce)(double y, double *t_out)
{
    double t = PO_VM_MAD(y, PO_VM_LOG2E, PO_VM_SHIFT);
    double n = t - PO_VM_SHIFT;
    double r = PO_VM_MAD(-n, PO_VM_LN2HI, y);
    r = PO_VM_MAD(-n, PO_VM_LN2LO, r);
    *t_out = t;
    return r;
}

/* tanh(x), float64: see the header comment. <= 3 ulp on either path. */
PO_ALWAYS_INLINE double PO_VM(po_vm_tanh)(double x)
{
    double ax = fabs(x);
    double y = -2.0 * ax;
    y = y > -40.0 ? y : -40.0;                    /* NaN and -inf go to -40; NaN is restored below */
    double t;
    double r = PO_VM(po_vm_reduce)(y, &t);
    double s = po_vm_pow2_from_t(t, 0);           /* 2^n, n in [-58, 0] */
    /* expm1(y) = 2^n expm1(r) + (2^n - 1) */
    double em = PO_VM_MAD(s, PO_VM(po_vm_expm1_reduced)(r), s - 1.0);
    double th = -em / (em + 2.0);                 /* tanh(|x|) = -expm1(-2|x|) / (expm1(-2|x|) + 2) */
    th = copysign(th, x);
    return x == x ? th : x;
}

/* sigmoid(x), float64: see the header comment. <= 3 ulp (normal outputs) on either path. */
PO_ALWAYS_INLINE double PO_VM(po_vm_sigmoid)(double x)
{
    double y = -fabs(x);
    y = y > -746.0 ? y : -746.0;                  /* NaN and -inf go to -746; NaN is restored below */
    double t;
    double r = PO_VM(po_vm_reduce)(y, &t);
    double m = PO_VM(po_vm_expm1_reduced)(r) + 1.0;   /* exp(r) */
    double e = (m * po_vm_pow2_from_t(t, 60)) * 0x1p-60;   /* exp(y) = 2^(n+60) exp(r) 2^-60 */
    double q = 1.0 / (1.0 + e);
    double s = x >= 0.0 ? q : e * q;
    return x == x ? s : x;
}

/* sigmoid(x), float32: on the portable path the same bits as nn_math.h's po_nn_sigmoidf (the same Cephes
 * reduction and polynomial, exp's argument clamped at -104 the same way), with cheaper scaling: the argument -|x| is
 * never positive, so 2^n is applied as 2^(n+24) (exact, a normal number) then 2^-24 (one rounding into
 * the subnormal range, as po_nn_expf's two halves do), and n comes from the rounded float's bits
 * instead of a float->int conversion and a halving. */
PO_ALWAYS_INLINE float PO_VM(po_vm_sigmoidf)(float x)
{
    float y = -fabsf(x);
    y = y > -104.0f ? y : -104.0f;                /* NaN and -inf go to -104 (po_nn_expf's clamp) */
    float t = PO_VM_MADF(y, 1.44269504088896341f, 12582912.0f);
    float n = t - 12582912.0f;
    float r = PO_VM_MADF(-n, 0.693359375f, y);
    r = PO_VM_MADF(n, 2.12194440e-4f, r);
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = PO_VM_MADF(p, r, 1.3981999507e-3f);
    p = PO_VM_MADF(p, r, 8.3334519073e-3f);
    p = PO_VM_MADF(p, r, 4.1665795894e-2f);
    p = PO_VM_MADF(p, r, 1.6666665459e-1f);
    p = PO_VM_MADF(p, r, 5.0000001201e-1f);
    float m = PO_VM_MADF(p, z, r) + 1.0f;
    /* t's bits are 0x4B400000 + n: the exponent field of 2^(n+24) is (n + 24 + 127) mod 2^9 */
    float e = (m * po_vm_from_bitsf((po_vm_bitsf(t) + (uint32_t)(127 + 24)) << 23)) * 0x1p-24f;
    float q = 1.0f / (1.0f + e);
    float s = x >= 0.0f ? q : e * q;
    return x == x ? s : x;
}
