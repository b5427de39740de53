/* bind_nn.h -- wrappers for this concern. Part of module.c (included there). */

#define PO_NN_METHODS
