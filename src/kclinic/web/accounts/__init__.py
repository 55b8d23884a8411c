"""Clinics, sites, chairs and staff with roles; sign-in, lockout, second factor, idle logout."""
