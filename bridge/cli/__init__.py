"""The `scope-bridge` command line (`main`): run, check, status, monitor and learn (`listen`),
the doctor, and who holds a port (`porthold`)."""
