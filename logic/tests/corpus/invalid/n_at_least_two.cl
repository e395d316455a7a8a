// Near miss of n_positive: a single process is possible.
expect sat;
assert n < 2;
