"""tutor-contrib-oars: the Tutor plugin that deploys oars-platform (entry point ``tutor.plugin.v1``)."""
