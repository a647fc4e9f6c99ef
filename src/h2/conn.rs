pub struct ServerConn;
