// Near miss of option_some_get: get(o) = 0 does not make o = Some(0) (o may be None).
expect sat;
const o: Option<Int>;
assert get(o) == 0 && o != Some(0);
