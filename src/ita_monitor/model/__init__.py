"""The vocabulary every stage shares: agencies and their plans (`config`), fiscal years and rounds,
names of DAGs and URLs, Thai text, errors and the limits on what is received, the round's status
file and the data root (`storage`)."""
