"""The pure core: bytes in, records out. It imports only the standard library, orjson and ftfy:
no file system, no printing, no global state."""
