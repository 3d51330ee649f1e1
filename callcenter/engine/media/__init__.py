"""A call's recording: stereo start on answer, pause / resume, post-processing jobs."""
