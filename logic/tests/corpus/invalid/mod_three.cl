// Near miss of mod_odd: 3·(n/3) = n fails when 3 does not divide n.
expect sat;
assert 3 * (n / 3) != n;
