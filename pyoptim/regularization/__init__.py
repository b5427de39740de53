"""pyoptim.regularization: chapter 7 of the Deep Learning book beyond the penalty and constraint
classes (which are :mod:`pyoptim.regularizers`, :mod:`pyoptim.constraints`, ``nn.Dropout``,
``nn.GaussianNoise`` and ``callbacks.EarlyStopping``).

**regularization or regularizers?** Here: chapter 7's techniques and closed forms, one module a section
group (the table). :mod:`pyoptim.regularizers`: only the penalty objects :func:`pyoptim.fit` applies at
every minibatch (``L2``, ``L1``, ``Tying``; Keras' name for them).

===================================  ==========================================================
book section                         here
===================================  ==========================================================
7.1 norm penalties, 7.3              :mod:`.norm_penalties` (closed forms: ridge, eq. 7.13, 7.22,
                                     the pseudo-inverse as the limit of ridge, logistic weights)
7.4 dataset augmentation             :mod:`.augment` (shifts, rotations, pixel noise; ``fit(augment=)``)
7.5 noise robustness, 7.5.1          :mod:`.noise` (``WeightNoise``, label-smoothing forms)
7.6 semi-supervised, 7.7 multi-task  :mod:`.multitask` (``MultiTask``, objectives)
7.8 early stopping                   :mod:`.early_stopping` (GD vs L2 factors, Algorithms 7.2, 7.3)
7.10 sparse representations          :class:`.ActivityL1`
7.11 bagging, ensembles              :mod:`.ensembles` (``Bagging``, eq. 7.50)
7.12 dropout                         :mod:`.dropout` (``mc_predict``, geometric-mean ensemble)
7.13 adversarial training            :mod:`.adversarial` (``fgsm``, ``AdversarialObjective``)
7.14 tangent methods                 :mod:`.tangent` (tangent distance, tangent prop, manifold tangents)
===================================  ==========================================================
"""
from .activity import ActivityL1
from .adversarial import AdversarialObjective, fgsm
from .augment import (Compose, PixelNoise, RandomRotation, RandomShift, digits_augment, rotate_images,
                      shift_images)
from .dropout import geometric_mean_ensemble, mc_predict, softmax, weight_scaling_predict
from .early_stopping import (continue_until_loss, equivalent_alpha, gd_factors, gd_from_zero,
                             retrain_same_steps)
from .ensembles import Bagging, ensemble_expected_error
from .multitask import MultiTask, MultiTaskObjective, SemiSupervisedObjective
from .noise import WeightNoise, book_to_torch_smoothing, smooth_targets, torch_to_book_smoothing
from .norm_penalties import (l1_diagonal_minimum, l2_ball_minimum, l2_quadratic_minimum, l2_shrinkage_factors,
                             lagrangian_descent_ascent, logistic_weight_path, ridge, ridge_pseudo_inverse)
from .tangent import (ContractiveObjective, TangentDistanceClassifier, TangentPropObjective, encoder_jacobian,
                      encoder_tangents, image_tangents, tangent_distance, tangent_prop_penalty)

__all__ = [
    "ActivityL1", "AdversarialObjective", "fgsm",
    "Compose", "PixelNoise", "RandomRotation", "RandomShift", "digits_augment", "rotate_images", "shift_images",
    "geometric_mean_ensemble", "mc_predict", "softmax", "weight_scaling_predict",
    "continue_until_loss", "equivalent_alpha", "gd_factors", "gd_from_zero", "retrain_same_steps",
    "Bagging", "ensemble_expected_error",
    "MultiTask", "MultiTaskObjective", "SemiSupervisedObjective",
    "WeightNoise", "book_to_torch_smoothing", "smooth_targets", "torch_to_book_smoothing",
    "l1_diagonal_minimum", "l2_ball_minimum", "lagrangian_descent_ascent", "l2_quadratic_minimum",
    "l2_shrinkage_factors", "logistic_weight_path", "ridge", "ridge_pseudo_inverse",
    "ContractiveObjective", "TangentDistanceClassifier", "TangentPropObjective", "encoder_jacobian", "encoder_tangents",
    "image_tangents", "tangent_distance", "tangent_prop_penalty",
]
