"""pyoptim's internal API: the helpers several of its modules share, and the only place they may take
them from (a module never imports another module's underscore names; a test parses the package to check).

Not for users: names here may change between releases. Each submodule holds one concern:

- :mod:`.params`: what counts as a Parameter (one rule) and the array behind one.
- :mod:`.modes`: the train/eval mode context manager.
- :mod:`.steps`: one batch's forward pass, loss and parameter gradients.
"""
