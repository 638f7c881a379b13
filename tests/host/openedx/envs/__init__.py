"""Settings shared by the LMS and the CMS, like the platform's openedx/envs."""
