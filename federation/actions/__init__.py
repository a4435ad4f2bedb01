"""Actions with side effects on both sides: the domain's change, and what federation
must do at once because of it, in the same transaction.

One service per action (suspending an account, changing the federation policy),
called by the admin API, the admin pages and ``kinfolk`` alike, so none of them
repeats its steps. An action that touches only the domain stays in ``node``.
"""
