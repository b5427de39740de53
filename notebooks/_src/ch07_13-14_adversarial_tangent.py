"""Source of notebooks/ch07_13-14_adversarial_tangent.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.13 Adversarial training · 7.14 Tangent distance, tangent prop, manifold tangent classifier
#
# *Deep Learning*, sections 7.13 and 7.14. Both make a classifier locally invariant: to the worst
# small perturbation (adversarial training), or to known transformations of the input such as
# translations (tangent propagation).
#
# | book | pyoptim |
# |---|---|
# | FGSM x + ε·sign(∇ₓJ) (Goodfellow et al., 2014b) | `po.regularization.fgsm(model, loss, X, y, eps)` |
# | adversarial training | `po.fit(..., objective=po.regularization.AdversarialObjective(eps, weight))` |
# | tangent vectors of translations/rotations | `po.regularization.image_tangents(X, kinds=("dx", "dy", "rot"))` |
# | tangent prop penalty Σᵢ((∇ₓf)ᵀv⁽ⁱ⁾)² (eq. 7.67) | `po.regularization.tangent_prop_penalty`, `TangentPropObjective` |
# | tangent distance nearest neighbour | `po.regularization.TangentDistanceClassifier`, `tangent_distance` |
# | manifold tangent classifier (learned tangents) | `po.regularization.ContractiveObjective`, `encoder_tangents(encoder, k)` in `TangentPropObjective` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)   # pixels in [0, 1]
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## 7.13 The fast gradient sign method
#
# A linear-ish model changes its output by ε‖w‖₁ under the perturbation ε·sign(w), which is large in
# high dimension even for a tiny ε: the perturbation x + ε·sign(∇ₓJ(θ; x, y)) raises the loss the most
# among max-norm-ε perturbations, to first order. For softmax regression (logits xW + b) the input
# gradient is (softmax(xW + b) − onehot(y))Wᵀ/B for the batch mean; in NumPy:

# %%
lin = nn.Sequential(nn.Dense(64, 10, seed=1, dtype=np.float64))
po.fit(lin, loss, po.optim.SGD(lin.parameters(), lr=0.5), Xtr, ytr, epochs=20, batch_size=64, progress=False,
       seed=SEED)
Xb, yb = Xte[:20].astype(np.float64), yte[:20]
Wl, bl = lin[0].weight.data, lin[0].bias.data
z = Xb @ Wl + bl
p_soft = np.exp(z - z.max(1, keepdims=True))
p_soft /= p_soft.sum(1, keepdims=True)
grad_x = (p_soft - np.eye(10)[yb]) @ Wl.T / len(yb)
adv_np = Xb + 0.1 * np.sign(grad_x)
assert np.allclose(R.fgsm(lin, loss, Xb, yb, eps=0.1), adv_np)

# %% [markdown]
# An MLP trained normally, and the same MLP trained adversarially with
# J̃ = ½J(x) + ½J(x + ε·sign(∇ₓJ)), attacked with ε = 0.1 (pixel values in [0, 1]):

# %%
eps = 0.1
models, acc = {}, {}
for name, objective in (("standard", None), ("adversarial training", R.AdversarialObjective(eps, weight=0.5, clip=(0, 1)))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.005), Xtr, ytr, epochs=12, batch_size=32,
           objective=objective, progress=False, seed=SEED)
    models[name] = net
    X_adv = R.fgsm(net, loss, Xte, yte, eps=eps, clip=(0, 1))
    acc[f"{name}\nclean"] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    acc[f"{name}\nFGSM ε={eps}"] = po.evaluate(net, loss, X_adv, yte)["accuracy"]
fig = P.bars(acc, ylabel="test accuracy", title="Clean vs adversarial accuracy")
fig

# %%
assert acc[f"adversarial training\nFGSM ε={eps}"] > acc[f"standard\nFGSM ε={eps}"] + 0.05   # lower error on FGSM examples
assert acc["adversarial training\nclean"] > 0.9

# %% [markdown]
# What the attack looks like: the digit, the perturbation ε·sign(∇ₓJ) (red +, blue −), and the
# adversarial digit that the standard network misclassifies.

# %%
net = models["standard"]
X_adv = R.fgsm(net, loss, Xte, yte, eps=eps, clip=(0, 1))
fooled = np.flatnonzero((po.predict(net, X_adv).argmax(1) != yte) & (po.predict(net, Xte).argmax(1) == yte))[:4]
pred_adv = po.predict(net, X_adv[fooled]).argmax(1)
fig = P.image_grid(np.concatenate([Xte[fooled], X_adv[fooled] - Xte[fooled], X_adv[fooled]]), ncols=len(fooled),
                   symmetric=[False] * len(fooled) + [True] * len(fooled) + [False] * len(fooled), vmin=0, vmax=1,
                   titles=[f"clean: {yte[i]}" for i in fooled] + ["perturbation"] * len(fooled)
                   + [f"adv: predicted {p}" for p in pred_adv], title="FGSM on the digits")
fig

# %% [markdown]
# ## 7.14 Tangent propagation
#
# If the class should not change under a transformation (a one-pixel shift), the output should not
# change along the transformation's tangent vector v at x: the penalty Ω = Σᵢ((∇ₓf(x))ᵀv⁽ⁱ⁾)²
# (eq. 7.67). Tangent vectors of translations are minus the image's spatial gradients:

# %%
T = R.image_tangents(Xte[:6], kinds=("dx", "dy", "rot"))                  # (6, 3, 64)
fig = P.image_grid(np.concatenate([Xte[:6], T[:, 0], T[:, 1], T[:, 2]]), ncols=6, symmetric=[False] * 6 + [True] * 18,
                   titles=["image"] * 6 + ["tangent dx"] * 6 + ["tangent dy"] * 6 + ["tangent rot"] * 6,
                   title="Digits and the tangent vectors of shifts and rotation (red +, blue −)")
fig

# %% [markdown]
# For a linear model f(x) = xW + b the Jacobian-vector product is vW, so the penalty is
# (1/B)Σ_b Σᵢ‖v_b⁽ⁱ⁾W‖², exactly (pyoptim computes it by central differences, exact for linear f):

# %%
V = R.image_tangents(Xb, kinds=("dx", "dy"))
omega_np = np.mean(np.sum((V @ Wl) ** 2, axis=(1, 2)))
omega_po = R.tangent_prop_penalty(lin, Xb, V)
print(f"penalty: NumPy {omega_np:.6f}, pyoptim {omega_po:.6f}")
assert np.isclose(omega_np, omega_po, rtol=1e-6)

# %% [markdown]
# Training with the penalty for translation tangents makes the classifier more robust to shifted
# digits. Both networks see only 300 training digits and are tested on test digits shifted by one
# pixel to the left or to the right (on 8×8 images a large change: both lose accuracy).

# %%
Xs_tr, ys_tr = Xtr[:300], ytr[:300]
rng = np.random.default_rng(SEED)
X_shift = R.shift_images(Xte, np.zeros(len(Xte)), rng.choice([-1, 1], size=len(Xte)))
tangents = lambda Xq: R.image_tangents(Xq, kinds=("dx", "dy"))   # noqa: E731
shift_acc = {}
for name, objective in (("standard", None), ("tangent prop", R.TangentPropObjective(tangents, weight=0.5))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.Tanh(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), Xs_tr, ys_tr, epochs=30, batch_size=30,
           objective=objective, progress=False, seed=SEED)
    shift_acc[f"{name}\nclean"] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    shift_acc[f"{name}\nshifted 1 px"] = po.evaluate(net, loss, X_shift, yte)["accuracy"]
fig = P.bars(shift_acc, ylabel="test accuracy", title="Tangent prop on 300 digits")
fig

# %%
assert shift_acc["tangent prop\nshifted 1 px"] > shift_acc["standard\nshifted 1 px"] + 0.05   # lower error on shifted digits

# %% [markdown]
# ### The tangent-distance classifier
#
# Before tangent prop, Simard et al. (1993) put the invariance into a *nearest-neighbour* classifier:
# the distance between two images is the distance between the two planes spanned by their tangent
# vectors, min over a, b of ‖(x₁ + T₁ᵀa) − (x₂ + T₂ᵀb)‖ (a small least-squares problem per pair). A
# one-pixel shift moves an image far in Euclidean distance but hardly at all in tangent distance.
# Same 300 training digits, the first 300 shifted test digits:

# %%
Xq, yq = X_shift[:300], yte[:300]
tdc = R.TangentDistanceClassifier(tangents=tangents).fit(Xs_tr, ys_tr)
D_td = tdc.distances(Xq)
D_eu = np.sqrt(((Xq[:, None, :] - Xs_tr[None, :, :]) ** 2).sum(axis=-1))    # plain NumPy 1-NN
nn_acc = {"Euclidean 1-NN\nshifted 1 px": np.mean(ys_tr[D_eu.argmin(axis=1)] == yq),
          "tangent-distance 1-NN\nshifted 1 px": np.mean(tdc.predict(Xq) == yq)}
fig = P.bars(nn_acc, ylabel="test accuracy", title="Nearest neighbour under tangent distance")
fig

# %%
i, j = 0, int(D_td[0].argmin())          # the batched solver against a direct least-squares solve
direct = R.tangent_distance(Xq[i], tangents(Xq[i:i + 1])[0], Xs_tr[j], tangents(Xs_tr[j:j + 1])[0])
assert np.isclose(D_td[i, j], direct, rtol=1e-6)
assert np.all(D_td <= D_eu + 1e-9)     # a distance between planes never exceeds the one between points
print(nn_acc)
assert nn_acc["tangent-distance 1-NN\nshifted 1 px"] > nn_acc["Euclidean 1-NN\nshifted 1 px"] + 0.15

# %% [markdown]
# ### The manifold tangent classifier
#
# Tangent prop needs the tangent vectors to be known (here: shifts). The manifold tangent classifier
# (Rifai et al., 2011) *learns* them: a contractive autoencoder, trained on unlabeled data, makes its
# code h(x) insensitive to most input directions; the few directions it stays sensitive to, the
# leading right singular vectors of ∂h/∂x, estimate the tangent plane of the data manifold at x
# (`encoder_tangents`). Tangent prop with those tangents then makes the classifier invariant along
# the learned manifold. The autoencoder sees all the training digits without labels; the classifiers
# see 300 labelled ones.

# %%
enc_dense = nn.Dense(64, 20, seed=3)
cae = nn.Sequential(enc_dense, nn.Tanh(), nn.Dense(20, 64, seed=4))
po.fit(cae, nn.MSELoss(), po.optim.Adam(cae.parameters(), lr=0.01), Xtr, Xtr, epochs=40, batch_size=64,
       objective=R.ContractiveObjective(enc_dense, weight=0.05), progress=False, seed=SEED)
learned = R.encoder_tangents(nn.Sequential(cae[0], cae[1]), k=3)
V_learned = learned(Xte[:4])                                                   # (4, 3, 64)
fig = P.image_grid(np.concatenate([Xte[:4], V_learned[:, 0], V_learned[:, 1], V_learned[:, 2]]), ncols=4,
                   symmetric=[False] * 4 + [True] * 12, titles=["image"] * 4 + [f"learned tangent {t}" for t in
                                                                               (1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)],
                   title="Learned tangents (red +, blue −)")
fig

# %%
def sensitivity(net, Xq, V, h=1e-3):
    """Σⱼ mean ‖(f(x + h vⱼ) − f(x − h vⱼ)) / 2h‖², by finite differences: independent of the penalty code."""
    return sum(np.mean(np.sum(((net(Xq + h * V[:, j]) - net(Xq - h * V[:, j])) / (2 * h)) ** 2, axis=1))
               for j in range(V.shape[1]))


mtc = {}
V_eval = learned(Xte[:200])
for name, objective in (("standard", None), ("manifold tangent", R.TangentPropObjective(learned, weight=0.02))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.Tanh(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), Xs_tr, ys_tr, epochs=30, batch_size=30,
           objective=objective, progress=False, seed=SEED)
    mtc[name] = (po.evaluate(net, loss, Xte, yte)["accuracy"], float(sensitivity(net, Xte[:200], V_eval)))
print({k: f"test accuracy {a:.3f}, sensitivity along the learned tangents {s_:.3g}" for k, (a, s_) in mtc.items()})
assert mtc["manifold tangent"][1] < 0.2 * mtc["standard"][1]     # invariant along the learned manifold
assert mtc["manifold tangent"][0] > mtc["standard"][0] - 0.02    # at no cost in accuracy

# %% [markdown]
# The classifier became ten times less sensitive along the learned tangents at the same accuracy. It
# did not become *more* accurate here: on 8×8 digits with one small autoencoder layer the learned
# tangents are a rough estimate, and 300 labels with 30 epochs leave little for the prior to fix.
# Rifai et al. report their gains on MNIST with deeper contractive autoencoders; the effect needs
# tangents that are good and a classifier that would otherwise be sensitive along them.

# %% [markdown]
# ## Exercises
#
# 1. Attack the adversarially trained network with ε = 0.2. Does its advantage hold?
# 2. Give the tangent-distance classifier the rotation tangent too (`kinds=("dx", "dy", "rot")`) and
#    test it on digits rotated by 15° (`R.rotate_images`). Which tangents matter for which distortion?
# 3. Change the contractive weight of the autoencoder (0 to 0.5) and the number of learned tangents k.
#    When do the learned tangents look like shifts? When does the manifold tangent classifier help?
