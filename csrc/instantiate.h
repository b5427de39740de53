/* instantiate.h -- compile a type-generic template twice: for float (names suffixed _f32) and for double
 * (_f64). Every float32/float64 kernel file of csrc/ ends with it:
 *
 *     #define PO_TEMPLATE "optim_tmpl.h"
 *     #include "instantiate.h"
 *
 * Inside the template, PO_T is the element type and PO_FN(name) the suffixed name. No include guard:
 * a file may instantiate several templates, one after the other. */
#ifndef PO_TEMPLATE
#error "define PO_TEMPLATE (the template's file name, in quotes) before including instantiate.h"
#endif

#define PO_T float
#define PO_FN(name) name##_f32
#include PO_TEMPLATE
#undef PO_T
#undef PO_FN

#define PO_T double
#define PO_FN(name) name##_f64
#include PO_TEMPLATE
#undef PO_T
#undef PO_FN

#undef PO_TEMPLATE
