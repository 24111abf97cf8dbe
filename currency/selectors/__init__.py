"""Reads of the local currency that decide who sees what, one module per part: `comptoirs`
(conversions and cash reports), `reconversions` (and SEPA exports), `backing`, `demurrage`,
`payments` (payment requests) and `public` (the directory and the transparency figures)."""
