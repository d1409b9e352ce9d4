"""Decision tables: parse S-FEEL cells, validate, compile to kernel arrays, evaluate."""
