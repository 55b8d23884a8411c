"""Patients: demographics, contacts and escort, allergies, medications, diagnoses, weight."""
