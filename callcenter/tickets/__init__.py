"""callcenter.tickets"""
