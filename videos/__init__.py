"""The stored video: the model, where files go and who may see them (ownership), the storage quota,
what a file must be to be stored (upload_checks), the size-limited upload handler and the ranged
file stream. It imports nothing of analysis: the analysis app builds on it.
"""
