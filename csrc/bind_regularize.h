/* bind_regularize.h -- wrappers for this concern. Part of module.c (included there). */

#define PO_REGULARIZE_METHODS
