"""Reference implementations of every graded exercise (instructor-only; never installed).

One module per model family. The grading process imports this package from the repository root;
a student's kernel cannot, so hidden tests compare student results with it outside the kernel.
"""
