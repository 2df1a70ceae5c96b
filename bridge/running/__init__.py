"""The running show, in the bridge process: the `Bridge` around the pure core, the runtime
built from a show file, its devices, Scope targets and lanes, tempo, beat timing, hot reload,
and the supervision that keeps its tasks alive."""
