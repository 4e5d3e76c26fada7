"""Gift certificates, one module per concern: `ledger` (the single write path for balances:
issue, redeem, credit back, adjust, void), `sales` (orders, issuing once paid, delivery) and
`stripe_checkout` (online payment). Reads (find a usable code, quote, liability, sales) are
selectors, in booking/selectors.py."""
