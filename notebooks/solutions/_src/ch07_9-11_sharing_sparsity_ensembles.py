"""Worked solutions to the exercises of notebooks/ch07_9-11_sharing_sparsity_ensembles (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 7.9–7.11 Parameter sharing, sparse representations, bagging
#
# Each exercise of `ch07_9-11_sharing_sparsity_ensembles.ipynb`, solved; the asserts compare
# measurements with formulas and backpropagation with finite differences.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## Exercise 1: v and c from the bagged networks' errors
#
# Treat member i's 0-1 error on a test example as the random variable εᵢ ∈ {0, 1}. Over the test set,
# v = E[εᵢ²] (the members' error rate) and c = E[εᵢεⱼ], i ≠ j (how often two members err together).
# Eq. 7.50, E[(1/k Σ εᵢ)²] = v/k + (k − 1)c/k, then describes the mean squared *average error* of k
# members, and matches it. It does *not* predict the ensemble's 0-1 error, which is another quantity:
# averaging the members' probabilities and taking the argmax errs when the pooled vote is wrong, not
# in proportion to (1/k Σ εᵢ)². Both fall with k and level off at a floor set by c (the errors the
# members share), but their values differ.

# %%
def make_model(i):
    return nn.Sequential(nn.Dense(64, 32, seed=10 + i), nn.ReLU(), nn.Dense(32, 10, seed=20 + i))


bag = R.Bagging(make_model, k=8, seed=SEED)
bag.fit(loss, lambda model: po.optim.Adam(model.parameters(), lr=0.01), Xtr[:500], ytr[:500], epochs=15, batch_size=32,
        progress=False)
probs = [R.softmax(out) for out in bag.member_predictions(Xte)]
E = np.array([p.argmax(1) != yte for p in probs], dtype=float)          # (members, examples)
v = np.mean(E ** 2)
pairs = [(i, j) for i in range(8) for j in range(8) if i != j]
c = np.mean([np.mean(E[i] * E[j]) for i, j in pairs])
ks = np.arange(1, 9)
predicted = np.array([R.ensemble_expected_error(v, c, k) for k in ks])
measured_sq = np.array([np.mean(E[:k].mean(axis=0) ** 2) for k in ks])
ens_err = np.array([np.mean(np.mean(probs[:k], axis=0).argmax(1) != yte) for k in ks])
print(f"v = {v:.4f}, c = {c:.4f} (correlation c/v = {c / v:.2f})")
print(np.c_[ks, predicted.round(4), measured_sq.round(4), ens_err.round(4)])
assert np.allclose(measured_sq, predicted, rtol=0.15)      # eq. 7.50 describes the average error
assert 0 < c < v                                            # the members err partly together
assert ens_err[-1] < v                                      # the vote errs less than a member
fig = P.curves({"eq. 7.50 with the measured v, c": predicted, "measured E[(mean error of k)²]": measured_sq,
                "ensemble 0-1 error": ens_err}, x=ks, xlabel="k (members)", ylabel="error",
               title="Bagged networks: eq. 7.50 and the ensemble's error")
fig

# %% [markdown]
# ## Exercise 2: a tied autoencoder, W and Wᵀ
#
# Sharing the *same* Parameter object between two `Dense` layers (notebook) needs the same shape. A
# decoder that uses the encoder's W *transposed* needs a layer of its own: a `Module` whose forward is
# h Wᵀ and whose backward adds its gradient, transposed, into the shared Parameter's `.grad`
# (x Wᵀ has dL/dW = gᵀh). Everything else (the optimizer, `zero_grad`, the gradient check) works
# unchanged because W is one Parameter with one gradient, the sum of both uses.

# %%
class TiedDecoder(nn.Module):
    """y = h Wᵀ with W the encoder's weight (shape (in, hidden)): the decoder of a tied autoencoder."""

    def __init__(self, encoder: nn.Dense):
        super().__init__()
        self.encoder = encoder          # the encoder's W is the shared parameter
        self._h = None

    def parameters(self):
        return []                       # W is listed (once) by the encoder

    def forward(self, h):
        self._h = np.asarray(h, dtype=self.encoder.weight.data.dtype)
        return self._h @ self.encoder.weight.data.T

    def backward(self, g):
        self.encoder.weight.grad += g.T @ self._h          # d(h Wᵀ)/dW = gᵀh
        return g @ self.encoder.weight.data


enc = nn.Dense(6, 3, bias=False, seed=1, dtype=np.float64)
auto = nn.Sequential(enc, nn.Tanh(), TiedDecoder(enc))
Xa = np.random.default_rng(SEED).standard_normal((10, 6))
mse = nn.MSELoss()
auto.zero_grad()
mse.forward(auto(Xa), Xa)
auto.backward(mse.backward())
W = enc.weight
numeric = np.zeros_like(W.data)
for i in range(6):
    for j in range(3):
        old = W.data[i, j]
        W.data[i, j] = old + 1e-6
        up = mse.forward(auto(Xa), Xa)
        W.data[i, j] = old - 1e-6
        down = mse.forward(auto(Xa), Xa)
        W.data[i, j] = old
        numeric[i, j] = (up - down) / 2e-6
print("max |backprop − finite differences| =", np.abs(W.grad - numeric).max())
assert np.allclose(W.grad, numeric, atol=1e-8)
assert len(auto.parameters()) == 1 and auto.parameters()[0] is W   # one parameter, trained once
# and it trains: the reconstruction error falls
opt = po.optim.SGD(auto.parameters(), lr=0.1)
before = mse.forward(auto(Xa), Xa)
for _ in range(200):
    auto.zero_grad()
    mse.forward(auto(Xa), Xa)
    auto.backward(mse.backward())
    opt.step()
assert mse.forward(auto(Xa), Xa) < 0.8 * before

# %% [markdown]
# ## Exercise 3: L1 on the activations against L1 on the weights
#
# `ActivityL1` penalizes the hidden activations h: many units output exactly 0 (ReLU cut below 0),
# a sparse *representation*, with weights that stay dense. `po.regularizers.L1` on the weights with
# the proximal step sets weights exactly to 0: sparse *parameters*; the activations need not be sparse.

# %%
def train(reg_kind):
    dense1 = nn.Dense(64, 64, seed=1)
    layers = [dense1, nn.ReLU()]
    regs = []
    if reg_kind == "activations":
        layers.append(po.regularizers.ActivityL1(0.05))
        regs = [layers[-1]]
    elif reg_kind == "weights":
        regs = [po.regularizers.L1(0.1, mode="proximal")]
    trunk = nn.Sequential(*layers)
    model = nn.Sequential(trunk, nn.Dense(64, 10, seed=2))
    po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.005), Xtr, ytr, epochs=10, batch_size=32,
           regularizers=regs, progress=False, seed=SEED)
    trunk.eval()
    h = trunk(Xte)
    return np.mean(h == 0), np.mean(dense1.weight.data == 0), po.evaluate(model, loss, Xte, yte)["accuracy"]


table = {kind: train(kind) for kind in ("none", "activations", "weights")}
for kind, (hz, wz, acc) in table.items():
    print(f"L1 on {kind:11s}: zero activations {hz:.0%}, zero first-layer weights {wz:.0%}, accuracy {acc:.3f}")
assert table["activations"][0] > table["none"][0] + 0.2 and table["activations"][1] < 0.01
assert table["weights"][1] > 0.1 and table["none"][1] < 0.01
assert table["weights"][0] < table["activations"][0]
