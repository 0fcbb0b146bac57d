"""For maintainers: the course's tooling — training the shipped weights (``train``, ``experiments``),
executing and refreshing notebooks (``notebooks``), generating the exercise notebooks
(``exercises``) and the benchmarks (``bench``, ``bench_measure``, ``bench_report``).

Learners never need these modules; nothing in the learner library (``rnncourse``) imports them.
"""
