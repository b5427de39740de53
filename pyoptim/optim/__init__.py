"""pyoptim.optim: first-order optimizers (book 8.3, 8.5) with torch.optim's names and numbers."""

__all__: list[str] = []

# --- first-order: Optimizer, SGD, Adagrad, RMSprop, Adam, AdamW, book forms, clipping, Averaged ---
# --- end first-order ---

# --- secondorder: LBFGS ---
# --- end secondorder ---
