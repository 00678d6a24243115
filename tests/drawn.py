"""Key problems that draw their numbers, shared by the tests of generators, variants and export."""

# two labels of three classes, and two predicted distributions at 2 decimals
DRAWN_CE = """\
  - id: ce
    kind: cross_entropy
    target: {random: labels, classes: 3, shape: [2]}
    pred: {random: probabilities, shape: [2, 3], decimals: 2}
"""


def drawn_conv(high: int = 3) -> str:
    """A 4×4 image of integers 0…high and a 2×2 kernel of −1, 0, 1."""
    return f"""\
  - id: conv
    kind: conv
    input: {{random: int, low: 0, high: {high}, shape: [4, 4]}}
    kernel: {{random: int, low: -1, high: 1, shape: [2, 2]}}
"""
