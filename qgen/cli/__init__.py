"""The ``qgen`` command line: thin wrappers that parse, call the library and report."""

CATALOG: dict[str, str] = {
    "ed": "exact diagonalization of a system",
    "vmc": "variational Monte Carlo ground state, compared with exact results",
    "generative": "train a flow, GAN, VAE or autoencoder on 2D toy or Ising data",
    "data": "measurement data of exact or noisy states (for tomography)",
    "ebm": "train a Bernoulli RBM (CD-k / PCD) on 2D Ising data; NLL by AIS, histograms",
    "tomo": "neural-network state tomography from measurement data",
    "plot": "redraw a run's figures from its log, or overlay several runs",
}
"""Each subcommand's one-line help, by name; its :class:`~qgen.cli.command.Command` lives
in ``qgen.cli.<name>``. Listed here so that ``qgen --help`` (and a command's parsing)
imports no other command's module, nor torch."""
