package web

// supervision is the supervision office's contacts as pages show them.
type supervision struct {
	Office, Address text
	Phone, Email    string
	Any             bool
}

func (s *Server) supervision() supervision {
	sv := s.cfg.Info.Supervision
	return supervision{Office: textOf(sv.Office), Address: textOf(sv.Address), Phone: sv.Phone, Email: sv.Email, Any: sv.Any()}
}
