"""Assignments the grader knows: one package per lesson, each defining ``ASSIGNMENT``."""
