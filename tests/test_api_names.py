"""Every public name of pyoptim's contract (the README's and docs' public names) still resolves after the
house-keeping of issue 17: module moves (pyoptim.minimize's module made private, fit's helpers in
pyoptim._training, the R-operator rules in pyoptim.nn.rop) must not lose a name users write."""
import importlib
import inspect

import pytest

import pyoptim as po

NAMES = """
kernels kernels.adam_step kernels.PAR_GRAIN show_config __version__
optim.SGD optim.Adagrad optim.RMSprop optim.Adam optim.AdamW optim.Adadelta optim.Adamax optim.NAdam
optim.RAdam optim.ASGD optim.Rprop optim.Adafactor optim.Muon optim.LBFGS optim.Averaged optim.Optimizer
optim.clip_grad_norm_ optim.clip_grad_value_
optim.optimizer.check_hyper optim.optimizer.register_optimizer_step_pre_hook
optim.optimizer.register_optimizer_step_post_hook optim.optimizer.RemovableHandle
optim.lr_scheduler.LambdaLR optim.lr_scheduler.StepLR optim.lr_scheduler.ExponentialLR
optim.lr_scheduler.LinearLR optim.lr_scheduler.CosineAnnealingLR optim.lr_scheduler.ReduceLROnPlateau
optim.lr_scheduler.ConstantLR optim.lr_scheduler.MultiStepLR optim.lr_scheduler.MultiplicativeLR
optim.lr_scheduler.PolynomialLR optim.lr_scheduler.CosineAnnealingWarmRestarts optim.lr_scheduler.CyclicLR
optim.lr_scheduler.OneCycleLR optim.lr_scheduler.SequentialLR optim.lr_scheduler.ChainedScheduler
optim.swa_utils.AveragedModel optim.swa_utils.SWALR optim.swa_utils.update_bn
optim.swa_utils.get_ema_multi_avg_fn
minimize OptimizeResult OptimizeWarning linear_cg coordinate_descent scipy_method
nn.Parameter nn.Module nn.Sequential nn.Dense nn.ReLU nn.Tanh nn.Sigmoid nn.Dropout nn.BatchNorm nn.Residual
nn.GaussianNoise nn.SoftmaxCrossEntropy nn.MSELoss nn.BinaryCrossEntropy nn.check_gradients
nn.init.glorot_uniform_ nn.init.glorot_normal_ nn.init.he_uniform_ nn.init.he_normal_ nn.init.orthogonal_
nn.init.sparse_ nn.init.zeros_ nn.init.constant_ nn.init.xavier_uniform_ nn.init.xavier_normal_
nn.init.kaiming_uniform_ nn.init.kaiming_normal_
fit minibatches evaluate predict History Trainer training.DivergenceWarning
callbacks.EarlyStopping regularizers.L2 regularizers.L1 constraints.MaxNorm
functions.quadratic functions.rosenbrock functions.beale functions.saddle functions.cliff functions.bumpy
diagnostics.hvp diagnostics.hvp_fd diagnostics.HessianOperator diagnostics.CurvatureMonitor
diagnostics.condition_number diagnostics.check_gradient diagnostics.flatten diagnostics.unflatten
diagnostics.register_rop diagnostics.register_loss_rop diagnostics.loss_value
datasets.load_digits plot regularization strategies checkpoint.save checkpoint.load
plot.contour_paths plot.animate_paths plot.loss_curves plot.set_language plot.get_language plot.language
plot.image_grid plot.bars plot.SLIDERS
distributed distributed.hogwild_sgd distributed.fit_distributed distributed.DistributedTrainer
distributed.DistributedObjective distributed.minimize distributed.SyncBatchNorm distributed.Communicator
""".split()


@pytest.mark.parametrize("dotted", NAMES)
def test_public_name_resolves(dotted):
    obj = po
    for part in dotted.split("."):
        obj = getattr(obj, part)
    assert obj is not None


def test_pyoptim_minimize_is_the_function_and_no_module_shadows_it():
    assert inspect.isfunction(po.minimize) and po.minimize.__name__ == "minimize"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("pyoptim.minimize")
    assert list(inspect.signature(po.minimize).parameters)[:3] == ["fun", "x0", "args"]
