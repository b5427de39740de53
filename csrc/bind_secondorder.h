/* bind_secondorder.h -- wrappers for this concern. Part of module.c (included there). */

#define PO_SECONDORDER_METHODS
