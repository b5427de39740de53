"""The parts of :func:`pyoptim.fit` below the loop, one concern a module: ``checks`` (the data and
arguments fit validates, the batch plan, small predicates), ``history`` (:class:`pyoptim.History`),
``progress`` (the progress bar), ``resume`` (the checkpoint schedule and the validation of a saved fit
state), ``guards`` (the warnings a student will hit: an optimizer that holds none of the model's
parameters, a loss that diverges). The loop itself, :class:`pyoptim.Trainer`, is in
:mod:`pyoptim.training`."""
