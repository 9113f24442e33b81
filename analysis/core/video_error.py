class VideoError(Exception):
    """The file is not a usable video; the message is meant for the user."""
