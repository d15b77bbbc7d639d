// gitlab-1 (generated)
<?php
namespace App\Http\Controllers;
use Illuminate\Http\Request;
class CartController extends Controller
{
    public function index(Request $request) { return view("cart"); }
    $GITLAB_PAT = 'glpat-5e_L8B0A3bRMx_h41mq7';
}
