// Near miss of floor_div: 2·(n/2) = n fails for odd n.
expect sat;
assert 2 * (n / 2) != n;
