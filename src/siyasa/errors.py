"""Errors that mean "your input is wrong": the CLI prints them without a traceback and exits 2."""


class UserError(Exception):
    """Bad input (config, data file, model directory): the message names the cause and the fix."""
