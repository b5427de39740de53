/* bind_secondorder.h -- the method table of the second-order bindings (book 8.6). Part of module.c
 * (included there after the files that define the wrappers, by concern):
 *   bind_secondorder_bridge.h      the Python callback bridge (po_bridge_*)
 *   bind_secondorder_solver.h      _minimize and line_search, and the C-objective parser
 *   bind_secondorder_dense.h       lbfgs_two_loop, bfgs_update, cholesky_solve, sym_eig, cg_step,
 *                                  coordinate_descent_sweep
 *   bind_secondorder_objectives.h  rosenbrock/quadratic/least_squares/logistic/softmax_value_and_grad
 */

#define PO_SECONDORDER_KW(name) \
    {#name, (PyCFunction)(void (*)(void))py_##name, METH_VARARGS | METH_KEYWORDS, name##_doc},
#define PO_SECONDORDER_METHODS \
    {"_minimize", (PyCFunction)(void (*)(void))py__minimize, METH_VARARGS | METH_KEYWORDS, _minimize_doc}, \
    PO_SECONDORDER_KW(line_search) PO_SECONDORDER_KW(lbfgs_two_loop) PO_SECONDORDER_KW(bfgs_update) \
    PO_SECONDORDER_KW(cholesky_solve) PO_SECONDORDER_KW(sym_eig) PO_SECONDORDER_KW(cg_step) \
    PO_SECONDORDER_KW(coordinate_descent_sweep) PO_SECONDORDER_KW(rosenbrock_value_and_grad) \
    PO_SECONDORDER_KW(quadratic_value_and_grad) PO_SECONDORDER_KW(least_squares_value_and_grad) \
    PO_SECONDORDER_KW(logistic_value_and_grad) PO_SECONDORDER_KW(softmax_value_and_grad)
