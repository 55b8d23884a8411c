"""Small helpers shared by the web apps' views."""
