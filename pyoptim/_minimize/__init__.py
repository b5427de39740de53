"""Private helpers of :func:`pyoptim.minimize`, one file per stage: ``_options`` (argument normalization),
``_problem`` (the user's functions as the C loop calls them), ``_dispatch`` (the C loop), ``_result``
(SciPy's result fields, messages and report), ``_scipy`` (:func:`pyoptim.scipy_method`)."""
